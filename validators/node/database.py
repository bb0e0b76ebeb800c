"""Creating a node's own PostgreSQL database on a server that several nodes share."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import errors, sql

MAINTENANCE_DATABASE = "postgres"


def server_connection_kwargs(config: dict[str, Any]) -> dict[str, Any]:
    """psycopg.connect() arguments for the server in a Django DATABASES entry, minus its name."""
    kwargs = {
        "host": config.get("HOST"),
        "port": config.get("PORT"),
        "user": config.get("USER"),
        "password": config.get("PASSWORD"),
        **config.get("OPTIONS", {}),
    }
    return {key: value for key, value in kwargs.items() if value not in (None, "")}


def ensure_postgres_database(config: dict[str, Any]) -> bool:
    """Create the database named in config unless it exists; True when this call created it.

    Web and worker of one node may race here, so a concurrent creation counts as existing.
    """
    name = config["NAME"]
    kwargs = server_connection_kwargs(config)
    with psycopg.connect(dbname=MAINTENANCE_DATABASE, autocommit=True, **kwargs) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if found.fetchone():
            return False
        try:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except (errors.DuplicateDatabase, errors.UniqueViolation):
            return False
    return True
