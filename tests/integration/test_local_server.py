"""The local server refuses bad framing (registrations.dev.server): raw sockets on 127.0.0.1 against `make run` in
a process of its own, and against local_server in this process where a test needs shorter timeouts. Every exchange
is bounded in time; no test waits for the server to be slow."""

from __future__ import annotations

import json
import queue
import re
import socket
import time
import zlib

import boto3
import pytest
from boto3.dynamodb.conditions import Attr

from registrations.dev.server import LIMITS, REQUEST_DEADLINE
from registrations.local.dynalite import (
    ENDPOINT_FILE_NAME,
    LOCAL_REGION,
    LOCAL_TABLE,
    PROJECT_ROOT,
    free_port,
    use_local_credentials,
)
from tests.integration.test_local_run import STARTED, Run
from tests.raw_http import Answer, get, read_answer, send, serving, wait_closed


@pytest.fixture(scope="module")
def make_run(tmp_path_factory):
    """One `make run` for the module: (its Run, port, a function that counts the stored items of an address)."""
    folder = tmp_path_factory.mktemp("make-run")
    data_dir, port = folder / "data", free_port()
    run = Run(data_dir, folder / "site", port)
    try:
        output = run.lines_until(STARTED)
        assert run.process.poll() is None, output
        use_local_credentials()
        endpoint = json.loads((data_dir / ENDPOINT_FILE_NAME).read_text())["endpoint"]
        table = boto3.resource("dynamodb", region_name=LOCAL_REGION, endpoint_url=endpoint).Table(LOCAL_TABLE)

        def stored(email: str) -> int:
            items = table.scan(FilterExpression=Attr("email").eq(email))["Items"]
            return len(items)

        yield run, port, stored
    finally:
        run.stop()


def output_since(run: Run, quiet: float = 1.0) -> list[str]:
    """The lines `make run` printed since the last call, once it has been quiet for `quiet` seconds."""
    lines = []
    while True:
        try:
            line = run._lines.get(timeout=quiet)
        except queue.Empty:
            return lines
        if line is None:
            return lines
        lines.append(line)


def registration(port: int, form: dict, email: str) -> bytes:
    body = json.dumps({**form, "email": email}).encode()
    return (
        f"POST /api/registrations HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Sec-Fetch-Site: same-origin\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def answers_in(answer: Answer) -> int:
    """How many HTTP answers came on the connection (status lines at the start of a line)."""
    return len(re.findall(rb"(?:^|\r\n)HTTP/1\.[01] \d{3} ", answer.raw))


@pytest.mark.parametrize(
    "framing",
    [
        "Content-Length: {length}\r\nTransfer-Encoding: chunked",
        "Transfer-Encoding: chunked\r\nContent-Length: {length}",
        "Content-Length: {length}\r\nTransfer-Encoding: gzip, chunked",
        "Content-Length: {length}\r\nTransfer-Encoding: identity",
    ],
    ids=["cl-te", "te-cl", "te-gzip-chunked", "te-identity"],
)
def test_content_length_with_transfer_encoding_is_refused_and_the_smuggled_request_never_runs(
    make_run, valid_form, framing
):
    _, port, stored = make_run
    email = f"smuggled-{zlib.crc32(framing.encode())}@gemeente.example"
    smuggled = registration(port, valid_form, email)
    body = b"0\r\n\r\n" + smuggled
    head = (
        f"POST /api/registrations HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        "Sec-Fetch-Site: same-origin\r\n"
    )
    request = (head + framing.format(length=len(body)) + "\r\n\r\n").encode() + body

    # Read until the server closes the connection, or 5 s without a byte (time for a smuggled request to run).
    answer = send(port, request, timeout=5)

    assert stored(email) == 0, "the request hidden in the body was stored"
    assert answers_in(answer) == 1, answer.raw
    assert answer.status == 400
    assert answer.closed, "the connection stays open after ambiguous framing (RFC 9112 §6.1)"


def test_transfer_encoding_on_http_1_0_is_refused(make_run):
    _, port, _ = make_run
    request = (
        b"POST /api/registrations HTTP/1.0\r\nConnection: keep-alive\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
    )
    answer = send(port, request, timeout=5)
    assert answer.status == 400 and answer.closed


def test_the_smuggled_request_on_its_own_is_stored(make_run, valid_form):
    """The positive control: what the tests above hide in a body is a registration the server would store."""
    _, port, stored = make_run
    email = "on-its-own@gemeente.example"
    answer = send(port, registration(port, valid_form, email), timeout=10)
    assert answer.status == 201, answer.raw
    assert stored(email) == 1


@pytest.mark.parametrize("path", ["/%00", "/aanmelden/%00", "/api/%00", "/api/registrations%00"])
def test_a_nul_in_the_path_is_refused_without_a_traceback(make_run, path):
    run, port, _ = make_run
    output_since(run, quiet=0.2)
    answer = send(port, get(path), timeout=5)
    assert answer.status in (400, 404), answer.raw
    printed = output_since(run)
    assert not [line for line in printed if "Traceback" in line or "Exception" in line], printed


def test_a_chunk_size_of_twenty_fs_is_refused_at_once(make_run):
    _, port, _ = make_run
    request = (
        f"POST /api/registrations HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n" + "f" * 20 + "\r\n{}"
    ).encode()
    # Without the check the server waits for 16**20 bytes: read_answer then times out with nothing to parse.
    answer = send(port, request, timeout=5)
    assert answer.status == 413 and answer.closed


def test_ninety_nine_half_sent_posts_do_not_keep_the_health_check_out(make_run):
    _, port, _ = make_run
    head = (
        f"POST /api/registrations HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        "Sec-Fetch-Site: same-origin\r\nContent-Length: 1000\r\n\r\n"
    ).encode()
    half_sent: list[socket.socket] = []
    try:
        for _ in range(99):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            half_sent.append(sock)
            sock.sendall(head + b'{"given_name": ')
        # All 99 are open and waiting for their bodies ...
        time.sleep(0.5)
        # ... and the health check is answered all the same (before: it waited until they timed out, minutes).
        with socket.create_connection(("127.0.0.1", port), timeout=5) as health:
            health.sendall(get("/api/health"))
            answer = read_answer(health, timeout=5)
        assert answer.status == 200
    finally:
        for sock in half_sent:
            sock.close()


# ---------------------------------------------------------------- local_server in this process, short timeouts


def _ok(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def test_a_request_sent_a_byte_at_a_time_is_dropped_at_its_deadline():
    """channel_timeout counts from the last byte, so a slow drip keeps a connection; the deadline does not."""
    with serving(_ok, request_deadline=1.0, channel_timeout=60) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
            began = time.monotonic()
            closed = False
            while not closed and time.monotonic() - began < 6:
                try:
                    sock.sendall(b"x")
                except (BrokenPipeError, ConnectionResetError):
                    closed = True
                    break
                closed = wait_closed(sock, timeout=0.3)
            assert closed, "a drip-fed request kept its connection for 6 s"


def test_a_half_sent_request_that_goes_quiet_is_closed_after_the_channel_timeout():
    with serving(_ok, channel_timeout=1, cleanup_interval=1) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
            assert wait_closed(sock, timeout=6)


def test_headers_and_bodies_over_the_limits_are_refused_before_they_are_read():
    with serving(_ok) as port:
        big_header = get("/").replace(b"\r\n\r\n", b"\r\nX-Padding: " + b"a" * (40 * 1024) + b"\r\n\r\n")
        assert send(port, big_header, timeout=5).status == 431
        big_body = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n"
        answer = send(port, big_body, timeout=5)
        assert answer.status == 413 and answer.closed
        # and a request within the limits is answered
        assert send(port, get("/"), timeout=5).status == 200


def test_the_handbook_states_the_limits_the_server_has():
    architecture = (PROJECT_ROOT / "handbook" / "architecture.md").read_text(encoding="utf-8")
    section = architecture.split("- **The local server**", 1)[1].split("\n## ", 1)[0]
    said = [
        f"at most {LIMITS['max_request_header_size'] // 1024} KiB (431)",
        f"at most {LIMITS['max_request_body_size'] // 1024} KiB (413)",
        f"At most {LIMITS['connection_limit']} open connections",
        f"nothing for {LIMITS['channel_timeout']} s",
        f"checked every {LIMITS['cleanup_interval']} s",
        f"incomplete {REQUEST_DEADLINE:g} s after its first byte",
    ]
    assert [text for text in said if text not in " ".join(section.split())] == []
