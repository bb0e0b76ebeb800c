"""Log-in attempt limits: at most N failed attempts per (client IP, e-mail) in a time window,
counted in Django's cache. A fixed window is enough to stop password guessing here. The pages'
log-in form and the API's POST /api/auth/login share one count."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def _key(request: HttpRequest, email: str) -> str:
    ip = request.META.get("REMOTE_ADDR", "")
    digest = hashlib.sha256(f"{ip}|{email.strip().lower()}".encode()).hexdigest()
    return f"accounts:login-failures:{digest}"


def login_blocked(request: HttpRequest, email: str) -> bool:
    failures = cache.get(_key(request, email), 0)
    return bool(failures >= settings.LOGIN_ATTEMPTS_PER_WINDOW)


def record_login_failure(request: HttpRequest, email: str) -> int:
    key = _key(request, email)
    # add() starts the window only for the first failure; incr() never extends it.
    if cache.add(key, 1, timeout=settings.LOGIN_ATTEMPT_WINDOW_SECONDS):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=settings.LOGIN_ATTEMPT_WINDOW_SECONDS)
        return 1


def clear_login_failures(request: HttpRequest, email: str) -> None:
    cache.delete(_key(request, email))
