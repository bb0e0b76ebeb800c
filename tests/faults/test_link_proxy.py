"""The user-space link proxy on loopback: it delays every byte and loses connections."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tests.faults.proxy import LinkProxy
from tests.integration.cluster import free_port


@pytest.fixture
def echo() -> Iterator[tuple[str, int]]:
    """A server on loopback that sends back what it reads, one connection at a time."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                while data := conn.recv(4096):
                    conn.sendall(data)

    threading.Thread(target=serve, daemon=True).start()
    yield server.getsockname()
    server.close()


def round_trip(address: tuple[str, int], payload: bytes) -> tuple[bytes, float]:
    started = time.monotonic()
    with socket.create_connection(address, timeout=5) as conn:
        conn.sendall(payload)
        conn.shutdown(socket.SHUT_WR)
        received = b""
        while data := conn.recv(4096):
            received += data
    return received, time.monotonic() - started


def test_every_byte_is_held_the_delay_each_way(echo: tuple[str, int]) -> None:
    proxy = LinkProxy(("127.0.0.1", free_port()), echo, delay=0.3, loss=0.0, seed=1).start()
    try:
        received, took = round_trip(proxy.listen, b"hello" * 1000)
        assert received == b"hello" * 1000
        assert took >= 0.6
        assert (proxy.forwarded, proxy.dropped) == (1, 0)
    finally:
        proxy.stop()


def test_a_lost_connection_is_closed_unanswered(echo: tuple[str, int]) -> None:
    proxy = LinkProxy(("127.0.0.1", free_port()), echo, delay=0.0, loss=1.0, seed=1).start()
    try:
        try:
            received, _ = round_trip(proxy.listen, b"hello")
        except OSError:
            received = b""
        assert received == b""
        assert (proxy.forwarded, proxy.dropped) == (0, 1)
    finally:
        proxy.stop()


def test_the_same_seed_loses_the_same_connections(echo: tuple[str, int]) -> None:
    outcomes = []
    for _ in range(2):
        proxy = LinkProxy(("127.0.0.1", free_port()), echo, delay=0.0, loss=0.5, seed=7).start()
        try:
            seen = []
            for _ in range(12):
                try:
                    seen.append(round_trip(proxy.listen, b"x")[0] == b"x")
                except OSError:
                    seen.append(False)
            outcomes.append(seen)
        finally:
            proxy.stop()
    assert outcomes[0] == outcomes[1]
    assert True in outcomes[0] and False in outcomes[0]
