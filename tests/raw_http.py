"""Raw HTTP over sockets on 127.0.0.1, for what an HTTP client library would not send (or would tidy up first),
and the local server (registrations.dev.server.local_server) in a thread of the test."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from registrations.dev.server import local_server


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    closed: bool  # the server closed the connection after the answer
    raw: bytes = field(repr=False)


def send(port: int, data: bytes, timeout: float = 5.0) -> Answer:
    """Send `data` on a new connection; read until the server closes it or `timeout` seconds pass quietly."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        return read_answer(sock, timeout)


def read_answer(sock: socket.socket, timeout: float = 5.0) -> Answer:
    sock.settimeout(timeout)
    received, closed = b"", False
    while True:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        except ConnectionResetError:
            closed = True
            break
        if not chunk:
            closed = True
            break
        received += chunk
        if not closed and _complete(received):
            # One whole answer: wait a moment for the close, as a client would.
            sock.settimeout(0.5)
    return parse(received, closed)


def _complete(received: bytes) -> bool:
    head, sep, body = received.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value.strip())
    return True


def parse(received: bytes, closed: bool) -> Answer:
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines[0].startswith("HTTP/"):
        raise AssertionError(f"no HTTP answer: {received[:200]!r}")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(status, headers, body, closed, received)


def get(path: str, host: str = "127.0.0.1") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode("latin-1")


@contextmanager
def serving(app: Any, **options: Any) -> Iterator[int]:
    """`local_server(app, ...)` on a free port in a thread of its own; yields the port."""
    server = local_server(app, 0, threads=2, **options)
    stopping = threading.Event()

    def loop() -> None:
        from waitress import wasyncore

        # Our own loop, so stopping is a flag and every socket is closed in this thread.
        try:
            while not stopping.is_set():
                wasyncore.loop(timeout=0.05, map=server._map, use_poll=True, count=1)
        finally:
            server.task_dispatcher.shutdown()
            wasyncore.close_all(server._map)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield int(server.effective_port)
    finally:
        stopping.set()
        thread.join(timeout=10)


def wait_closed(sock: socket.socket, timeout: float) -> bool:
    """Whether the server closes `sock` within `timeout` seconds (any bytes it sends first are read and dropped)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            if not sock.recv(4096):
                return True
        except TimeoutError:
            return False
        except ConnectionResetError:
            return True
    return False
