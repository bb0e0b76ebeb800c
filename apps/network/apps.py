from django.apps import AppConfig


class NetworkConfig(AppConfig):
    """The backend's client of the validator network: delivering votes to validators, their
    health, receipts, and the genesis that names them."""

    name = "apps.network"

    def ready(self) -> None:
        # Connects the worker_ready handler even before Celery autodiscovers the tasks.
        from apps.network import tasks  # noqa: F401
