"""Settings for the backend (pages, admin, API). Every knob comes from the environment.

With nothing set it runs on one machine with no server installed: SQLite under var/ and
an embedded file-system broker (validators/embedded_broker.py). See README.md for the variables.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from kombu import Queue

from validators.embedded_broker import BROKER_URL as EMBEDDED_BROKER_URL
from validators.env import (
    dev_secret_key,
    envbool,
    envfloat,
    envint,
    envlist,
    envstr,
    filesystem_broker_options,
)
from validators.logs import logging_config
from validators.metrics_export import use_directory

BASE_DIR = Path(__file__).resolve().parent.parent
# Files this process makes (databases, generated keys, broker messages, caches) are its
# owner's alone.
os.umask(0o077)
# Generated state (database, broker folders, secret key); tests may point it elsewhere.
VAR_DIR = Path(envstr("VAR_DIR", str(BASE_DIR / "var")))

# Prometheus metrics: each process's files (validators/metrics_export.py), set before
# prometheus_client is first imported. GET /metrics answers loopback, or anyone sending
# `Authorization: Bearer <METRICS_TOKEN>` when it is set.
METRICS_DIR = Path(envstr("METRICS_DIR", str(VAR_DIR / "metrics" / "backend")))
use_directory(METRICS_DIR)
METRICS_TOKEN = envstr("METRICS_TOKEN")

SECRET_KEY = envstr("DJANGO_SECRET_KEY") or dev_secret_key(VAR_DIR / "secret_key")
# Keys voter pseudonyms (HMAC). No election key is held here: trustees hold it.
PSEUDONYM_KEY = envstr("PSEUDONYM_KEY") or dev_secret_key(VAR_DIR / "pseudonym-key")
# The validator network: genesis (validator URLs and keys) and this backend's submitter key.
NETWORK_DIR = Path(envstr("NETWORK_DIR", str(VAR_DIR / "network")))
SUBMITTER_KEY_PATH = Path(envstr("SUBMITTER_KEY_PATH", str(NETWORK_DIR / "keys" / "backend.key")))
DEBUG = envbool("DEBUG", False)
# The hosts this site answers to: a request naming any other is refused (400), so no link the
# site builds from a request (a password reset e-mail's) can point elsewhere. Set it to the
# site's domain in production.
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
# Where this site is, for links in e-mails sent from the worker (invitations), which has no
# request to take the host from.
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000")
# The domain password-reset links name, whatever host the request came in by (optional).
PASSWORD_RESET_DOMAIN = envstr("PASSWORD_RESET_DOMAIN") or None
# Reverse proxies in front of the site that append the client's address to X-Forwarded-For
# (0: the site is reached directly, and REMOTE_ADDR is the client).
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)

# Production is served over HTTPS (HTTPS=true): plain HTTP is redirected, cookies travel over
# HTTPS only, and browsers are told (HSTS) to come back over HTTPS for a year. Behind a proxy
# that terminates TLS, its X-Forwarded-Proto says whether the client used HTTPS. Off by
# default: `make run` serves plain HTTP on 127.0.0.1.
HTTPS = envbool("HTTPS", False)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
    if TRUSTED_PROXY_COUNT:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The container health check and Prometheus ask over plain HTTP from inside: not
    # redirected.
    SECURE_REDIRECT_EXEMPT = [r"^health$", r"^metrics$"]

INSTALLED_APPS = [
    "apps.accounts.admin_config.ThrottledAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # the API docs' scripts served from here, not from a CDN
    "apps.accounts",
    "apps.elections",
    "apps.votes",
    "apps.network",
    "apps.fallback",
    "apps.trustees",
    "apps.api",
    "apps.pages",
]

AUTH_USER_MODEL = "accounts.User"

MIDDLEWARE = [
    # HTTP request metrics (django_http_*), first and last so they time every layer.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
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


# Connections are kept between requests (a new SQLite or PostgreSQL connection per request
# cost more than the request), and checked before reuse.
DATABASES = {
    "default": {
        **_database(),
        "CONN_MAX_AGE": envint("DB_CONN_MAX_AGE", 300),
        "CONN_HEALTH_CHECKS": True,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Test-only switch: integration tests create and log in hundreds of voters in real processes,
# and PBKDF2 costs ~0.3 s a password on these machines. Never set it in production.
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
LOGIN_ATTEMPT_WINDOW_SECONDS = envint("LOGIN_ATTEMPT_WINDOW_SECONDS", 300)
LOGIN_FAILURES_PER_ADDRESS = envint("LOGIN_FAILURES_PER_ADDRESS", 5)  # per (IP, e-mail)
LOGIN_FAILURES_PER_IP = envint("LOGIN_FAILURES_PER_IP", 30)  # per IP, any e-mail
LOGIN_FAILURES_PER_ACCOUNT = envint("LOGIN_FAILURES_PER_ACCOUNT", 20)  # per e-mail, any IP
LOGIN_ACCOUNT_SLOWDOWN_SECONDS = envint("LOGIN_ACCOUNT_SLOWDOWN_SECONDS", 15)
PASSWORD_RESETS_PER_IP = envint("PASSWORD_RESETS_PER_IP", 10)
PASSWORD_RESETS_PER_ACCOUNT = envint("PASSWORD_RESETS_PER_ACCOUNT", 3)
RATELIMIT_IP_META_KEY = "apps.accounts.throttle.client_ip"
# An API bearer token stops working this long after it was issued; logging in again then
# issues a new one. POST /api/auth/logout ends it sooner.
API_TOKEN_TTL_SECONDS = envint("API_TOKEN_TTL_SECONDS", 12 * 3600)
# Bearer tokens are django-rest-knox's: stored hashed, expiring, ended on log-out.
REST_KNOX = {
    "TOKEN_TTL": timedelta(seconds=API_TOKEN_TTL_SECONDS),
    "AUTH_HEADER_PREFIX": "Bearer",
    "AUTO_REFRESH": False,
}

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
# Delivery has a queue of its own, so the periodic receipts, health and replay ticks never
# wait behind delivery runs; long jobs (closing, tallying, voter imports: apps.elections.jobs)
# have a third, so neither waits behind them. The worker consumes all three.
CELERY_TASK_DEFAULT_QUEUE = "backend"
CELERY_JOB_QUEUE = "backend-jobs"
CELERY_TASK_QUEUES = (Queue("backend"), Queue("backend-delivery"), Queue(CELERY_JOB_QUEUE))
CELERY_TASK_ROUTES = {
    "apps.network.tasks.deliver_pending_votes": {"queue": "backend-delivery"},
    "apps.elections.tasks.run_job_task": {"queue": CELERY_JOB_QUEUE},
    "apps.elections.tasks.send_reminder_task": {"queue": CELERY_JOB_QUEUE},
}
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_DIR / "beat-schedule")

LOGGING = logging_config("backend")

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
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.api.schema.declare_error_answers",
    ],
}

# The network client (apps.network) and the fallback chain (apps.fallback): timeouts, thresholds,
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
# A running job writes its progress at least every few seconds; one silent for this long lost
# its worker and is marked failed (apps.elections.jobs.fail_stalled_jobs), checked every minute.
JOB_STALL_SECONDS = envint("JOB_STALL_SECONDS", 300)
# How often the beat opens and closes elections at their opens_at / closes_at and hands due
# reminders to the worker (apps.elections.schedule); how many voters a reminder e-mails per
# batch (apps.elections.reminders).
SCHEDULE_INTERVAL_SECONDS = envfloat("SCHEDULE_INTERVAL_SECONDS", 5.0)
REMINDER_BATCH_SIZE = envint("REMINDER_BATCH_SIZE", 200)


def _every(task: str, seconds: float) -> dict[str, object]:
    # A tick the worker could not start within a few intervals is dropped: the next one
    # does the same work, so a busy worker does not pile up stale ticks.
    return {"task": task, "schedule": seconds, "options": {"expires": max(3 * seconds, 5.0)}}


CELERY_BEAT_SCHEDULE = {
    "deliver-pending-votes": _every(
        "apps.network.tasks.deliver_pending_votes", DELIVERY_INTERVAL_SECONDS
    ),
    "poll-receipts": _every("apps.network.tasks.poll_receipts", RECEIPT_INTERVAL_SECONDS),
    "refresh-validator-health": _every(
        "apps.network.tasks.refresh_validator_health", HEALTH_INTERVAL_SECONDS
    ),
    "replay-fallback-votes": _every(
        "apps.network.tasks.replay_fallback_votes", REPLAY_INTERVAL_SECONDS
    ),
    "fail-stalled-jobs": _every("apps.elections.tasks.fail_stalled_jobs_task", 60.0),
    "run-schedule": _every("apps.elections.tasks.run_schedule_task", SCHEDULE_INTERVAL_SECONDS),
}

# E-mail (invitations, password reset, reminders): printed to the console unless a real
# backend is configured.
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
