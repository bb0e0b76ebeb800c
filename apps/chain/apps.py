from django.apps import AppConfig


class ChainConfig(AppConfig):
    """The chain client: delivering votes to validators, their health, receipts, reading ballots."""

    name = "apps.chain"
