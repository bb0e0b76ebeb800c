"""Settings for the backend (pages, admin, API). Every knob comes from the environment.

With nothing set it runs on one machine with no server installed: SQLite under var/ and
an embedded file-system broker (validators/embedded_broker.py). See README.md for the variables.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from validators.embedded_broker import BROKER_URL as EMBEDDED_BROKER_URL
from validators.env import (
    dev_fernet_key,
    dev_secret_key,
    envbool,
    envfloat,
    envint,
    envlist,
    envstr,
    filesystem_broker_options,
)

BASE_DIR = Path(__file__).resolve().parent.parent
# Generated state (database, broker folders, secret key); tests may point it elsewhere.
VAR_DIR = Path(envstr("VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = envstr("DJANGO_SECRET_KEY") or dev_secret_key(VAR_DIR / "secret_key")
# Seals election private keys at rest (a Fernet key); and keys voter pseudonyms (HMAC).
ELECTION_KEY_ENCRYPTION_KEY = envstr("ELECTION_KEY_ENCRYPTION_KEY") or dev_fernet_key(
    VAR_DIR / "election-kek"
)
PSEUDONYM_KEY = envstr("PSEUDONYM_KEY") or dev_secret_key(VAR_DIR / "pseudonym-key")
# The validator network: genesis (validator URLs and keys) and this backend's submitter key.
NETWORK_DIR = Path(envstr("NETWORK_DIR", str(VAR_DIR / "network")))
SUBMITTER_KEY_PATH = Path(envstr("SUBMITTER_KEY_PATH", str(NETWORK_DIR / "keys" / "backend.key")))
DEBUG = envbool("DEBUG", False)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["*"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "apps.accounts",
    "apps.elections",
    "apps.votes",
    "apps.chain",
    "apps.ledger",
    "apps.api",
    "apps.pages",
]

AUTH_USER_MODEL = "accounts.User"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "evoting.urls"
WSGI_APPLICATION = "evoting.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dict[str, object]:
    url = envstr("DATABASE_URL")
    if url:
        return dict(dj_database_url.parse(url))
    path = VAR_DIR / "backend.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    config = dict(dj_database_url.parse(f"sqlite:///{path}"))
    # The web process and the worker write concurrently: take the write lock up front and
    # wait for it instead of failing with "database is locked"; WAL lets readers run beside it.
    config["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Test-only switch: integration tests create and log in hundreds of voters in real processes,
# and PBKDF2 costs ~0.3 s a password on these machines. Never set it in production.
if envbool("INSECURE_FAST_PASSWORD_HASHING_FOR_TESTS", False):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]  # compiled by `make` (the .mo files are not committed)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# The voter pages (apps.pages): e-mail log-in, then "My elections".
LOGIN_URL = "pages:login"
LOGIN_REDIRECT_URL = "pages:my-elections"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
LOGIN_ATTEMPTS_PER_WINDOW = envint("LOGIN_ATTEMPTS_PER_WINDOW", 5)
LOGIN_ATTEMPT_WINDOW_SECONDS = envint("LOGIN_ATTEMPT_WINDOW_SECONDS", 300)
# An API bearer token stops working this long after it was issued; logging in again then
# issues a new one. POST /api/auth/logout ends it sooner.
API_TOKEN_TTL_SECONDS = envint("API_TOKEN_TTL_SECONDS", 12 * 3600)

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"


CELERY_DIR = VAR_DIR / "celery" / "backend"
CELERY_DIR.mkdir(parents=True, exist_ok=True)


def _celery_broker() -> tuple[str, dict[str, object]]:
    url = envstr("CELERY_BROKER_URL") or envstr("REDIS_URL")
    if url:
        return url, {}
    return EMBEDDED_BROKER_URL, filesystem_broker_options(CELERY_DIR, 0.2)


CELERY_BROKER_URL, CELERY_BROKER_TRANSPORT_OPTIONS = _celery_broker()
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Validator nodes sharing a Redis use their node id as queue name; keep the backend apart too.
CELERY_TASK_DEFAULT_QUEUE = "backend"
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_DIR / "beat-schedule")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
}

# The DRF API (apps.api): bearer tokens only, JSON only, every error as {detail, code}.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["apps.api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["apps.api.parsers.GuardedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.api.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "evoting API",
    "DESCRIPTION": (
        "Encrypted ballots recorded on a Proof-of-Authority validator network. "
        "Log in with POST /api/auth/login, then send `Authorization: Bearer <access_token>`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
}

# The chain client (apps.chain) and the fallback chain (apps.ledger): timeouts, thresholds,
# and how often the worker's beat delivers, polls receipts, checks health and replays.
CHAIN_CONNECT_TIMEOUT_SECONDS = envfloat("CHAIN_CONNECT_TIMEOUT_SECONDS", 1.0)
CHAIN_RPC_TIMEOUT_SECONDS = envfloat("CHAIN_RPC_TIMEOUT_SECONDS", 10.0)
CHAIN_DELIVERY_ROUNDS = envint("CHAIN_DELIVERY_ROUNDS", 2)  # passes over all validators
CHAIN_RESEND_AFTER_SECONDS = envfloat("CHAIN_RESEND_AFTER_SECONDS", 30.0)
HEALTH_TIMEOUT_SECONDS = envfloat("HEALTH_TIMEOUT_SECONDS", 2.0)
HEALTH_MAX_LAG_BLOCKS = envint("HEALTH_MAX_LAG_BLOCKS", 2)
HEALTH_SLOW_MS = envint("HEALTH_SLOW_MS", 1000)
DELIVERY_INTERVAL_SECONDS = envfloat("DELIVERY_INTERVAL_SECONDS", 1.0)
RECEIPT_INTERVAL_SECONDS = envfloat("RECEIPT_INTERVAL_SECONDS", 1.0)
HEALTH_INTERVAL_SECONDS = envfloat("HEALTH_INTERVAL_SECONDS", 5.0)
REPLAY_INTERVAL_SECONDS = envfloat("REPLAY_INTERVAL_SECONDS", 5.0)


def _every(task: str, seconds: float) -> dict[str, object]:
    # A tick the worker could not start within a few intervals is dropped: the next one
    # does the same work, so a busy worker does not pile up stale ticks.
    return {"task": task, "schedule": seconds, "options": {"expires": max(3 * seconds, 5.0)}}


CELERY_BEAT_SCHEDULE = {
    "deliver-pending-votes": _every(
        "apps.chain.tasks.deliver_pending_votes", DELIVERY_INTERVAL_SECONDS
    ),
    "poll-receipts": _every("apps.chain.tasks.poll_receipts", RECEIPT_INTERVAL_SECONDS),
    "refresh-validator-health": _every(
        "apps.chain.tasks.refresh_validator_health", HEALTH_INTERVAL_SECONDS
    ),
    "replay-fallback-votes": _every(
        "apps.chain.tasks.replay_fallback_votes", REPLAY_INTERVAL_SECONDS
    ),
}

# E-mail (password reset): printed to the console unless a real backend is configured.
EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "evoting@localhost")


def _cache() -> dict[str, object]:
    """Shared by every web worker and the Celery worker (log-in attempt limits, delivery
    coalescing): Redis when configured, else files under var/ (no server to install)."""
    redis_url = envstr("REDIS_URL")
    if redis_url:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    return {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
    }


CACHES = {"default": _cache()}
