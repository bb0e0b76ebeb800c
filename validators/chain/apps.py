from django.apps import AppConfig


class ChainConfig(AppConfig):
    """The node's chain store, consensus driver, JSON-RPC and peer endpoints."""

    name = "validators.chain"

    def ready(self) -> None:
        from validators.chain import lookups  # noqa: F401  (registers __among)
