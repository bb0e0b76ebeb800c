from django.apps import AppConfig


class LedgerConfig(AppConfig):
    """The local fallback chain: votes accepted while no validator was reachable, replayed later."""

    name = "apps.ledger"
