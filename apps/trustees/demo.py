"""The demo's trustees: three accounts that run their key ceremony with the real trustee
command (python -m trustee), as three people would on their own laptops.

`run_demo_ceremony` serves this backend on a passing local port (the web process is not
running yet when `seed_demo` runs) and runs the three commands at once
(trustee.together: keys published, their fingerprint compared, then the dealing). Their
secret files go under VAR_DIR/demo-trustees/, standing for the trustees' own machines.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from apps.elections.models import Election
from trustee import TrusteeError
from trustee.together import run_together


@dataclass(frozen=True)
class DemoTrustee:
    email: str
    password: str
    passphrase: str

    def secret_file(self, index: int) -> Path:
        return demo_trustees_dir() / f"trustee-{index}.secret"


def demo_trustees_dir() -> Path:
    return Path(settings.VAR_DIR) / "demo-trustees"


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def local_server() -> Iterator[str]:
    """This backend served on 127.0.0.1 at a free port for the duration of the block, one
    request at a time (the commands may run at once; their requests wait their turn)."""
    server = make_server(
        "127.0.0.1", 0, get_wsgi_application(), server_class=WSGIServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def trustee_command(
    server: str, election: Election, index: int, trustee: DemoTrustee, extra: Sequence[str]
) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "EVOTING_PASSWORD": trustee.password,
        "TRUSTEE_PASSPHRASE": trustee.passphrase,
    }
    env.pop("EVOTING_TOKEN", None)
    command = [
        *(sys.executable, "-m", "trustee", "ceremony", "--server", server),
        *("--election", str(election.pk), "--email", trustee.email),
        *("--secret-file", str(trustee.secret_file(index)), *extra),
    ]
    return subprocess.Popen(
        command,
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run_demo_ceremony(election: Election, trustees: Sequence[DemoTrustee]) -> list[str]:
    """Every trustee's command, all at once, until the ceremony is complete (the keys
    fingerprints they print compared by the program); their last lines. RuntimeError if one
    of them fails."""
    demo_trustees_dir().mkdir(parents=True, exist_ok=True)
    with local_server() as server:
        try:
            lines = run_together(
                lambda i, extra: trustee_command(server, election, i, trustees[i - 1], extra),
                range(1, len(trustees) + 1),
            )
        except TrusteeError as exc:
            raise RuntimeError(f"the demo trustees' ceremony failed: {exc}") from exc
    return [f"trustee {i}: {line}" for i, line in enumerate(lines, start=1)]
