from django.apps import AppConfig


class FallbackConfig(AppConfig):
    """The local fallback chain: votes accepted while no validator was reachable, replayed later."""

    name = "apps.fallback"
