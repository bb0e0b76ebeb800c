"""Delay and loss in user space (the kernel here has no netem): a TCP proxy for one link.

The proxy listens in the control namespace and forwards each connection to its target. A
seeded fraction `loss` of the connections is closed at once, unanswered: the HTTP message on it
is lost, as a validator's fire-and-forget send is. Every byte of the others is held `delay`
seconds, each direction pipelined (a chunk read at t is written at t + delay), so a round trip
costs twice the delay. iptables DNAT in the sending validator's namespace steers its new
connections to the target's port here (fabric.Fabric.steer).
"""

from __future__ import annotations

import contextlib
import queue
import random
import socket
import threading
import time
from dataclasses import dataclass, field

CHUNK = 65536


@dataclass
class LinkProxy:
    listen: tuple[str, int]
    target: tuple[str, int]
    delay: float
    loss: float
    seed: int
    forwarded: int = 0
    dropped: int = 0
    rng: random.Random = field(init=False)
    server: socket.socket | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    open_sockets: set[socket.socket] = field(default_factory=set)
    stopped: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def start(self) -> LinkProxy:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(self.listen)
        server.listen(64)
        self.server = server
        threading.Thread(target=self._accept, name=f"proxy-{self.listen[1]}", daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop accepting and close every connection still open."""
        self.stopped.set()
        if self.server is not None:
            with contextlib.suppress(OSError):
                self.server.shutdown(socket.SHUT_RDWR)
            self.server.close()
        with self.lock:
            for sock in self.open_sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.open_sockets.clear()

    def _accept(self) -> None:
        assert self.server is not None
        while not self.stopped.is_set():
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            with self.lock:
                lose = self.rng.random() < self.loss
                if lose:
                    self.dropped += 1
                else:
                    self.forwarded += 1
            if lose:
                client.close()
                continue
            threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.target, timeout=2)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        with self.lock:
            if self.stopped.is_set():
                client.close()
                upstream.close()
                return
            self.open_sockets.update((client, upstream))
        for source, sink in ((client, upstream), (upstream, client)):
            chunks: queue.Queue[tuple[float, bytes]] = queue.Queue()
            threading.Thread(target=self._read, args=(source, chunks), daemon=True).start()
            threading.Thread(target=self._write, args=(sink, chunks), daemon=True).start()

    def _read(self, source: socket.socket, chunks: queue.Queue[tuple[float, bytes]]) -> None:
        while True:
            try:
                data = source.recv(CHUNK)
            except OSError:
                data = b""
            chunks.put((time.monotonic() + self.delay, data))
            if not data:
                return

    def _write(self, sink: socket.socket, chunks: queue.Queue[tuple[float, bytes]]) -> None:
        while True:
            due, data = chunks.get()
            time.sleep(max(0.0, due - time.monotonic()))  # the link's delay, not a poll
            try:
                if not data:
                    sink.shutdown(socket.SHUT_WR)
                    return
                sink.sendall(data)
            except OSError:
                return
