from django.apps import AppConfig


class ChainConfig(AppConfig):
    """The chain client: delivering votes to validators, their health, receipts, reading ballots."""

    name = "apps.chain"

    def ready(self) -> None:
        # Connects the worker_ready handler even before Celery autodiscovers the tasks.
        from apps.chain import tasks  # noqa: F401
