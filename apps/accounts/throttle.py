"""Log-in attempt limits, shared by the pages' log-in form, the API's POST /api/auth/login and
the admin's log-in page, counted with django-ratelimit in Django's cache (Redis in production,
so every process sees one count). Only failures count:

- per (client IP, e-mail): LOGIN_FAILURES_PER_ADDRESS in the window, then 429 until it ends;
- per client IP, across every e-mail: LOGIN_FAILURES_PER_IP, against password spraying;
- per e-mail, across every IP: after LOGIN_FAILURES_PER_ACCOUNT failures, the account is
  slowed down rather than locked out: one attempt per LOGIN_ACCOUNT_SLOWDOWN_SECONDS, so
  rotating IPs buys an attacker nothing and its owner can still get in.

The client IP is REMOTE_ADDR, or, behind TRUSTED_PROXY_COUNT reverse proxies, the address the
outermost trusted proxy saw (the proxies append to X-Forwarded-For; whatever the client wrote
itself stays to the left and is ignored). A successful log-in does not reset the counts (an
attacker who knows one password could otherwise reset the count for their guessing); they
expire with their window. Password reset requests are limited the same way.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage


def client_ip(request: HttpRequest) -> str:
    """The client's address, trusting only the configured number of proxies."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        header = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
        forwarded = [part.strip() for part in header.split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR") or "0.0.0.0")


def _email_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _limits(email: str) -> list[tuple[str, object, int]]:
    """(group, key, limit) of every limit a log-in attempt for `email` falls under."""
    account = _email_key(email)
    ip_and_account = lambda _group, request: f"{client_ip(request)}|{account}"  # noqa: E731
    return [
        ("login-address", ip_and_account, settings.LOGIN_FAILURES_PER_ADDRESS),
        ("login-ip", "ip", settings.LOGIN_FAILURES_PER_IP),
        ("login-account", lambda _g, _r: account, settings.LOGIN_FAILURES_PER_ACCOUNT),
    ]


def _count(request: HttpRequest, group: str, key: object, seconds: int, increment: bool) -> int:
    """How many times `key` was counted in this window (this one too when incrementing); a
    cache that cannot answer counts as over every limit."""
    usage = get_usage(request, group=group, key=key, rate=f"1/{seconds}s", increment=increment)
    return int(usage["count"]) if usage and usage["limit"] else 10**9


def login_blocked(request: HttpRequest, email: str) -> bool:
    """Whether this attempt must be refused without checking the password."""
    window = settings.LOGIN_ATTEMPT_WINDOW_SECONDS
    counts = [
        (_count(request, group, key, window, increment=False), limit)
        for group, key, limit in _limits(email)
    ]
    (by_address, address_limit), (by_ip, ip_limit), (by_account, account_limit) = counts
    if by_address >= address_limit or by_ip >= ip_limit:
        return True
    if by_account >= account_limit:  # slowed down: one attempt per interval gets through
        key = _email_key(email)
        slot = _count(
            request,
            "login-account-slot",
            lambda _g, _r: key,
            settings.LOGIN_ACCOUNT_SLOWDOWN_SECONDS,
            increment=True,
        )
        return slot > 1
    return False


def record_login_failure(request: HttpRequest, email: str) -> int:
    """Count a failed attempt under every limit; the count for (client IP, e-mail)."""
    window = settings.LOGIN_ATTEMPT_WINDOW_SECONDS
    counts = [
        _count(request, group, key, window, increment=True) for group, key, _ in _limits(email)
    ]
    return counts[0]


def reset_blocked(request: HttpRequest, email: str) -> bool:
    """Password reset e-mails: PASSWORD_RESETS_PER_IP per window per client IP, and
    PASSWORD_RESETS_PER_ACCOUNT per window per address (every request counts)."""
    window = settings.LOGIN_ATTEMPT_WINDOW_SECONDS
    account = _email_key(email)
    by_ip = _count(request, "reset-ip", "ip", window, increment=True)
    by_account = _count(request, "reset-account", lambda _g, _r: account, window, increment=True)
    return (
        by_ip > settings.PASSWORD_RESETS_PER_IP or by_account > settings.PASSWORD_RESETS_PER_ACCOUNT
    )
