"""Sends to peers: a peer that takes connections but never answers (a paused process) holds up
its own messages only, never the messages to the other peers."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import wait
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from validators.chain import peers


@pytest.fixture
def healthy() -> Iterator[tuple[str, list[bytes]]]:
    """A peer that answers every POST at once, and the bodies it received."""
    received: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}", received
    server.shutdown()
    server.server_close()


def test_a_stalled_peer_does_not_delay_messages_to_the_others(
    stalled: str, healthy: tuple[str, list[bytes]]
) -> None:
    url, received = healthy
    started = time.monotonic()
    futures = []
    for i in range(20):  # more messages than there are send threads
        futures += peers.send_later([stalled, url], "/peer/message", {"n": i})
    to_healthy = futures[1::2]
    done, _ = wait(to_healthy, timeout=3)
    assert len(done) == 20, f"{len(done)} of 20 messages reached the healthy peer in 3 s"
    assert time.monotonic() - started < 3
    assert sorted(json.loads(body)["n"] for body in received) == list(range(20))


def test_messages_waiting_for_a_stalled_peer_are_bounded_the_oldest_dropped(stalled: str) -> None:
    futures = []
    for i in range(peers.MAX_QUEUED_PER_PEER + 10):
        futures += peers.send_later([stalled], "/peer/message", {"n": i})
    # The oldest waiting ones are given up at once (peers re-send every interval); the senders
    # may each have taken one before the queue filled.
    dropped = [f for f in futures if f.done()]
    assert 10 - peers.SENDERS_PER_PEER <= len(dropped) <= 10
    assert not futures[-1].done()
