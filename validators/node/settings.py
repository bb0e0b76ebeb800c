"""Settings for one validator node. Every knob comes from the environment.

NODE_ID names the node (validator-1 ...); its web and worker processes refuse to start without
it, while commands such as make_genesis run without. Each node has its own database and broker
folder; nothing is shared between nodes but the genesis file in NETWORK_DIR.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

from validators.embedded_broker import BROKER_URL as EMBEDDED_BROKER_URL
from validators.env import (
    dev_secret_key,
    envfloat,
    envint,
    envlist,
    envstr,
    filesystem_broker_options,
)
from validators.logs import logging_config
from validators.metrics_export import use_directory

REPO_DIR = Path(__file__).resolve().parents[2]
# Files this process makes (its database, keys, broker messages) are its owner's alone.
os.umask(0o077)
# Generated state (databases, broker folders, keys); tests point it at a temporary folder.
VAR_DIR = Path(envstr("VAR_DIR", str(REPO_DIR / "var")))

NODE_ID = envstr("NODE_ID")
# Names files and databases when NODE_ID is unset (tests, make_genesis).
NODE_LABEL = NODE_ID or "no-node"
NETWORK_DIR = Path(envstr("NETWORK_DIR", str(VAR_DIR / "network")))
# Prometheus metrics: each process's files (validators/metrics_export.py), set before
# prometheus_client is first imported. GET /metrics answers loopback, or anyone sending
# `Authorization: Bearer <METRICS_TOKEN>` when it is set.
METRICS_DIR = Path(envstr("METRICS_DIR", str(VAR_DIR / "metrics" / NODE_LABEL)))
use_directory(METRICS_DIR)
METRICS_TOKEN = envstr("METRICS_TOKEN")
CONSENSUS_TICK_SECONDS = envfloat("CONSENSUS_TICK_SECONDS", 0.2)

SECRET_KEY = envstr("DJANGO_SECRET_KEY") or dev_secret_key(VAR_DIR / "validators" / "secret_key")
DEBUG = False
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["*"])

INSTALLED_APPS = [
    "validators.chain",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "validators.node.urls"
WSGI_APPLICATION = "validators.node.wsgi.application"
TEMPLATES: list[dict[str, object]] = []


def node_database(node_label: str) -> dict[str, object]:
    """NODE_DATABASE_URL; else the DATABASE_URL server with a database per node; else SQLite."""
    own_url = envstr("NODE_DATABASE_URL")
    if own_url:
        return with_sqlite_options(dict(dj_database_url.parse(own_url)))
    shared_url = envstr("DATABASE_URL")
    if shared_url:
        config = dict(dj_database_url.parse(shared_url))
        suffix = node_label.replace("-", "_")
        config["NAME"] = f"{config['NAME']}_{suffix}" if config.get("NAME") else suffix
        return config
    path = VAR_DIR / "validators" / f"{node_label}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return with_sqlite_options(dict(dj_database_url.parse(f"sqlite:///{path}")))


def with_sqlite_options(config: dict[str, object]) -> dict[str, object]:
    # Web threads and the worker write concurrently: take the write lock up front and wait.
    # WAL lets readers run beside the writer; synchronous=NORMAL is still crash-safe in WAL
    # mode (a power cut may lose the last commits, a process kill loses nothing).
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    return config


DATABASES = {
    # Connections are kept between requests and tasks (a node serves thousands a minute; a
    # new PostgreSQL connection per request cost more than the request), and checked first.
    "default": {**node_database(NODE_LABEL), "CONN_MAX_AGE": 300, "CONN_HEALTH_CHECKS": True}
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = False

CELERY_DIR = VAR_DIR / "celery" / NODE_LABEL
CELERY_DIR.mkdir(parents=True, exist_ok=True)


def node_broker() -> tuple[str, dict[str, object]]:
    url = envstr("CELERY_BROKER_URL") or envstr("REDIS_URL")
    if url:
        return url, {}
    return EMBEDDED_BROKER_URL, filesystem_broker_options(CELERY_DIR, 0.05)


CELERY_BROKER_URL, CELERY_BROKER_TRANSPORT_OPTIONS = node_broker()
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Nodes may share one Redis: a queue per node keeps each worker to its own node's tasks.
CELERY_TASK_DEFAULT_QUEUE = NODE_LABEL
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_DIR / "beat-schedule")

LOGGING = logging_config(NODE_LABEL)

# JSON-RPC bodies above this size are refused (a batch of 5,000 ballots fits).
RPC_MAX_BODY_BYTES = envint("RPC_MAX_BODY_BYTES", 8 * 1024 * 1024)
RPC_MAX_BATCH = envint("RPC_MAX_BATCH", 2000)  # calls in one JSON-RPC batch
# Peer messages carry whole blocks (a later round's proposal travels in full).
PEER_MAX_BODY_BYTES = envint("PEER_MAX_BODY_BYTES", 64 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = max(RPC_MAX_BODY_BYTES, PEER_MAX_BODY_BYTES) + 1024
# Consensus messages accepted per signing validator (django-ratelimit's "count/period"),
# counted in this web process; a node sends a few per height, plus re-sends each interval.
PEER_MESSAGE_RATE = envstr("PEER_MESSAGE_RATE", "50/s")
# eth_sendTransaction answers "mempool full" (-32006, try again later) while the mempool holds
# this many blocks' worth of transactions: a flood of submissions then waits for commits
# instead of starving the consensus engine of CPU. Gossip from peers is not limited.
MEMPOOL_MAX_BLOCKS = envint("MEMPOOL_MAX_BLOCKS", 4)

CELERY_BEAT_SCHEDULE = {
    # The consensus tick: proposing on time, round timeouts, re-sending lost messages.
    "consensus-tick": {
        "task": "validators.chain.tasks.consensus_tick",
        "schedule": CONSENSUS_TICK_SECONDS,
        "options": {"expires": max(CONSENSUS_TICK_SECONDS * 2, 0.5)},
    },
    "refresh-peers": {"task": "validators.chain.tasks.refresh_peers", "schedule": 5.0},
}
