"""Settings for the bootnode, every knob read from the environment.

Defaults run on one machine with nothing installed: SQLite under `<repo>/var/`, the genesis file
in `<repo>/var/network/`, and a secret key generated once into `var/`. The typed readers in
`validators/env.py` raise EnvError on a value they cannot parse, so a typo fails at start-up.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url

from validators.env import EnvError, dev_secret_key, envbool, envint, envlist, envstr
from validators.logs import logging_config

REPO_DIR = Path(__file__).resolve().parents[2]
# Files this process makes (its database, keys, broker messages) are its owner's alone.
os.umask(0o077)
# Generated state, as for the other projects; tests and make run may point it elsewhere.
VAR_DIR = Path(envstr("VAR_DIR", str(REPO_DIR / "var")))


def env_positive_int(name: str, default: int) -> int:
    value = envint(name, default)
    if value < 1:
        raise EnvError(f"{name}={value!r} must be a positive integer")
    return value


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = envstr(name, default).upper()
    if value not in choices:
        raise EnvError(f"{name}={value!r} is not one of {', '.join(choices)}")
    return value


def env_database(name: str, default_url: str) -> dict[str, Any]:
    url = envstr(name, default_url)
    try:
        return dict(dj_database_url.parse(url, conn_max_age=60))
    except ValueError as exc:
        raise EnvError(f"{name} is not a usable database URL: {exc}") from None


SECRET_KEY = envstr("DJANGO_SECRET_KEY") or dev_secret_key(VAR_DIR / "bootnode_secret_key")
DEBUG = envbool("DEBUG", False)
ALLOWED_HOSTS = envlist("BOOTNODE_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

VAR_DIR.mkdir(parents=True, exist_ok=True)  # SQLite does not create the file's directory.
DATABASES = {
    "default": env_database("BOOTNODE_DATABASE_URL", f"sqlite:///{VAR_DIR / 'bootnode.sqlite3'}")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

NETWORK_DIR = Path(envstr("NETWORK_DIR", str(VAR_DIR / "network")))
BOOTNODE_PEER_TTL_SECONDS = env_positive_int("BOOTNODE_PEER_TTL_SECONDS", 30)

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "validators.bootnode",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
ROOT_URLCONF = "validators.bootnode.urls"
WSGI_APPLICATION = "validators.bootnode.wsgi.application"
TEMPLATES: list[dict[str, Any]] = []

# Requests are a few hundred bytes; anything near this is not a peer talking.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = False

LOGGING = logging_config("bootnode")
LOGGING["root"] = {"handlers": [], "level": "WARNING"}
LOGGING["loggers"] = {
    "validators.bootnode": {
        "handlers": ["console"],
        "level": env_choice("BOOTNODE_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
    },
}
