from django.apps import AppConfig


class TrusteesConfig(AppConfig):
    """Trustees of an election, their key ceremony, and their partial decryptions."""

    name = "apps.trustees"
