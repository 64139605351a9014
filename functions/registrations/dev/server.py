"""The local HTTP server of `make run` (waitress on 127.0.0.1): sane limits, and framing that cannot be smuggled.

Only the local run parses HTTP itself. On AWS, CloudFront and API Gateway receive every request and hand the
function a parsed event, so nothing here runs there.

What waitress 3.0.2 does not refuse on its own, and this module adds (waitress/parser.py, HTTPRequestParser):
- `parse_header` pops Transfer-Encoding on HTTP/1.1 and reads the body chunked, also when a Content-Length came
  with it; the rest of the bytes is then read as the next request on the same connection. RFC 9112 §6.1 lets a
  server refuse such a message and requires it to close the connection; on HTTP/1.0 it must treat any
  Transfer-Encoding as faulty framing (waitress ignores it there and reads by Content-Length).
- An unknown transfer coding gets 501 (TransferEncodingNotImplemented); here it is a bad request, 400.
- A chunk size is any number of hex digits (waitress/receiver.py, ChunkedReceiver), and max_request_body_size is
  checked only against the bytes that have come, so a chunk of 0xfffff... holds the connection open while waiting.
- channel_timeout closes a connection only after that long without a byte (server.maintenance), so a client that
  sends one byte now and then keeps a half-sent request open for ever; here a request has REQUEST_DEADLINE in all.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError, TransferEncodingNotImplemented
from waitress.server import create_server
from waitress.utilities import RequestEntityTooLarge

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

# waitress's own settings (waitress/adjustments.py), chosen for one developer's browser and the tests' bursts.
LIMITS: dict[str, Any] = {
    # Open connections, counting waitress's listening socket and its trigger (the default is 100, so 98 half-sent
    # requests were enough to keep everyone else out until they timed out).
    "connection_limit": 500,
    # select() cannot watch a descriptor numbered 1024 or higher; poll() can.
    "asyncore_use_poll": True,
    # The request line and headers (the default is 256 KiB).
    "max_request_header_size": 32 * 1024,
    # The app refuses more than 16 KiB itself, in Dutch (MAX_BODY_BYTES); waitress stops reading at 64 KiB
    # (the default is 1 GiB), for a Content-Length, a chunk size or the chunks received.
    "max_request_body_size": 64 * 1024,
    # Seconds without a byte before a connection that is not being answered is closed, checked every
    # cleanup_interval seconds (the defaults are 120 and 30).
    "channel_timeout": 10,
    "cleanup_interval": 2,
}
# Seconds from a request's first byte to its last; a request still incomplete then is dropped with its connection.
REQUEST_DEADLINE = 15.0


class StrictParser(HTTPRequestParser):  # type: ignore[misc] # waitress ships no type information
    """waitress's parser, refusing ambiguous framing and impossible chunk sizes at once, with 400 or 413."""

    completed: bool

    def __init__(self, adj: Any) -> None:
        super().__init__(adj)
        self.started = time.monotonic()

    def parse_header(self, header_plus: bytes) -> None:
        try:
            super().parse_header(header_plus)
        except TransferEncodingNotImplemented as exc:
            raise ParsingError(exc.args[0]) from exc
        # On HTTP/1.1 waitress has popped Transfer-Encoding and set `chunked`; on HTTP/1.0 it left the header.
        transfer_encoding = self.chunked or "TRANSFER_ENCODING" in self.headers
        if transfer_encoding and ("CONTENT_LENGTH" in self.headers or self.version != "1.1"):
            raise ParsingError("Transfer-Encoding with Content-Length, or on HTTP/1.0")
        if "\x00" in self.path:
            raise ParsingError("NUL in the path")

    def received(self, data: bytes) -> int:
        consumed: int = super().received(data)
        body = self.body_rcv
        if self.chunked and not self.completed and body is not None:
            room = self.adj.max_request_body_size - self.body_bytes_received
            if body.chunk_remainder > room:
                self.error = RequestEntityTooLarge(f"a chunk exceeds max_body of {self.adj.max_request_body_size}")
                self.completed = True
        if self.error is not None:
            # Whatever came after a refused request is dropped with it, never read as a request of its own; the
            # error answer closes the connection (waitress's ErrorTask).
            return len(data)
        return consumed


class StrictChannel(HTTPChannel):  # type: ignore[misc] # waitress ships no type information
    parser_class = StrictParser
    request_deadline = REQUEST_DEADLINE

    def readable(self) -> bool:
        # Asked by waitress's loop (its main thread, which also reads) for every connection on every round.
        partial = self.request
        if partial is not None and not self.requests and time.monotonic() - partial.started > self.request_deadline:
            self.will_close = True  # writable() is then true, and handle_write closes the connection
        return bool(super().readable())


def local_server(
    app: WSGIApplication, port: int, threads: int = 8, request_deadline: float = REQUEST_DEADLINE, **limits: Any
) -> Any:
    """A waitress server on 127.0.0.1 with LIMITS (overridden by `limits`) and the strict parser."""
    server = create_server(app, host="127.0.0.1", port=port, threads=threads, **{**LIMITS, **limits})
    # One address, so one TcpWSGIServer; it makes each connection with self.channel_class (waitress/server.py).
    server.channel_class = type("LocalChannel", (StrictChannel,), {"request_deadline": request_deadline})
    return server
