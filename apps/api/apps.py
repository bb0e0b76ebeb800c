from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The DRF API for integrators (token auth, OpenAPI schema)."""

    name = "apps.api"
