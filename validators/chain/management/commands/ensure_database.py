"""Create this node's PostgreSQL database if it is missing (SQLite needs nothing)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from validators.node.database import ensure_postgres_database


class Command(BaseCommand):
    help = "Create the node's own PostgreSQL database if it is missing; a no-op on SQLite."

    def handle(self, *args: Any, **options: Any) -> None:
        config = settings.DATABASES["default"]
        if config["ENGINE"] != "django.db.backends.postgresql":
            return
        created = ensure_postgres_database(config)
        state = "created" if created else "exists"
        self.stdout.write(f"database {state} name={config['NAME']}")
