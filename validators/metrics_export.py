"""Prometheus metrics shared by the backend and the validator nodes: where the processes write
them, and the `GET /metrics` view that gathers them.

Every process of a site (gunicorn's workers, the Celery worker) counts in its own files
(prometheus_client's multiprocess mode). The files live under the site's METRICS_DIR in two
folders, one per role, each emptied when that role starts: `web` by gunicorn's master
(gunicorn.conf.py), `worker` by the Celery worker. The web process serves both, so what the
Celery worker observes (commits, deliveries) appears on the same page as the web's requests.
Values that the database holds (heights, vote counts, mempool) are read when scraped instead:
always right, whichever process changed them.

PROMETHEUS_MULTIPROC_DIR must be set before prometheus_client is imported: settings call
`use_directory` first thing, and nothing imports this module's prometheus parts before.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported for real only once PROMETHEUS_MULTIPROC_DIR is set
    from django.http import HttpRequest, HttpResponse
    from prometheus_client.metrics_core import Metric
    from prometheus_client.registry import Collector

ROLE_VARIABLE = "METRICS_ROLE"
WEB = "web"
WORKER = "worker"
ROLES = (WEB, WORKER)


def role_directory(metrics_dir: Path, role: str) -> Path:
    return metrics_dir / role


def use_directory(metrics_dir: Path) -> Path:
    """Point prometheus_client at this process's folder: `web` under gunicorn (its config
    sets METRICS_ROLE), `worker` for every other process. Returns the folder."""
    role = os.environ.get(ROLE_VARIABLE) or WORKER
    directory = role_directory(metrics_dir, role if role in ROLES else WORKER)
    directory.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    return directory


def empty_directory(directory: Path, keep_pid: int | None = None) -> None:
    """Remove the files a previous run of this role left, so counters start from zero; the
    files of `keep_pid` (the process emptying it, which may have loaded metrics already) stay.
    prometheus_client names each file <kind>_<pid>.db."""
    directory.mkdir(parents=True, exist_ok=True)
    for path in directory.glob("*.db"):
        if keep_pid is None or not path.stem.endswith(f"_{keep_pid}"):
            path.unlink(missing_ok=True)


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def bearer_token(authorization: str) -> str:
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def may_scrape(remote_addr: str, forwarded_for: str, authorization: str, token: str) -> bool:
    """Loopback may always scrape, unless the request came through a proxy (X-Forwarded-For:
    a proxy on the same machine makes every client look local); any other client needs
    `Authorization: Bearer <token>` with the configured METRICS_TOKEN (none configured:
    loopback only)."""
    if is_loopback(remote_addr) and not forwarded_for:
        return True
    given = bearer_token(authorization)
    return bool(token) and bool(given) and hmac.compare_digest(given.encode(), token.encode())


def exposition(metrics_dir: Path, extra: Iterable[Collector]) -> bytes:
    """The text exposition: every role's files merged, then the collectors in `extra`
    (values read at scrape time)."""
    from prometheus_client import CollectorRegistry, generate_latest

    registry = CollectorRegistry()
    registry.register(_files_collector(metrics_dir))
    for collector in extra:
        registry.register(collector)
    return generate_latest(registry)


def _files_collector(metrics_dir: Path) -> Collector:
    """The files of both roles as one set, so a metric counted in web and worker processes
    alike is one family."""
    from prometheus_client.multiprocess import MultiProcessCollector
    from prometheus_client.registry import Collector

    class FilesCollector(Collector):
        def collect(self) -> Iterable[Metric]:
            files = sorted(
                str(path)
                for role in ROLES
                for path in role_directory(metrics_dir, role).glob("*.db")
            )
            merged: Iterable[Metric] = MultiProcessCollector.merge(  # type: ignore[no-untyped-call]
                files, accumulate=True
            )
            return merged

    return FilesCollector()


def metrics_view(
    metrics_dir: Callable[[], Path],
    token: Callable[[], str],
    extra: Callable[[], list[Collector]],
) -> Callable[[HttpRequest], HttpResponse]:
    """A Django view for GET /metrics: 403 JSON {detail, code} unless the client may scrape."""
    from django.http import HttpResponse, JsonResponse
    from django.views.decorators.http import require_GET

    @require_GET
    def view(request: HttpRequest) -> HttpResponse:
        if not may_scrape(
            request.META.get("REMOTE_ADDR", ""),
            request.headers.get("X-Forwarded-For", ""),
            request.headers.get("Authorization", ""),
            token(),
        ):
            return JsonResponse(
                {
                    "detail": "metrics are served to loopback or with the metrics bearer token",
                    "code": "metrics_forbidden",
                },
                status=403,
            )
        from prometheus_client import CONTENT_TYPE_LATEST

        return HttpResponse(exposition(metrics_dir(), extra()), content_type=CONTENT_TYPE_LATEST)

    return view
