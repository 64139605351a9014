"""The store client's timeouts and retries (repository.boto_config()) bound how long a person waits when it hangs.

The bound is checked against behaviour: a real boto3 call to an endpoint on loopback that accepts every connection
and never answers. It must give up within store_call_bound() (plus room for a busy machine), after exactly
total_attempts() requests. How fast it gives up is not asserted; that it gives up within the bound is.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ReadTimeoutError

from registrations.local.dynalite import PROJECT_ROOT
from registrations.repository import boto_config, dynamodb_resource, store_call_bound, total_attempts

SCRIPT = PROJECT_ROOT / "docs" / "assets" / "javascripts" / "registration.js"
# Room for thread scheduling on a busy machine (2 cores shared), on top of the bound; not a measured figure.
SLACK_SECONDS = 3.0
# Stop the stub's threads if a call never gives up at all, so that the test fails instead of hanging.
GIVE_UP_SECONDS = 60.0


class SilentEndpoint:
    """A TCP endpoint on 127.0.0.1 that accepts every connection, reads the request, and never answers."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(GIVE_UP_SECONDS)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.requests = 0  # connections on which a whole request head arrived: one per attempt
        self.lock = threading.Lock()
        self.closed = threading.Event()
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(connection)
            threading.Thread(target=self._read, args=(connection,), daemon=True).start()

    def _read(self, connection: socket.socket) -> None:
        connection.settimeout(GIVE_UP_SECONDS)
        received = b""
        try:
            while b"\r\n\r\n" not in received:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                received += chunk
            with self.lock:
                self.requests += 1
            while connection.recv(65536):  # hold the connection open, silent, until the client drops it
                pass
        except OSError:
            return

    def close(self) -> None:
        self.closed.set()
        self.listener.close()
        for connection in self.connections:
            connection.close()


@pytest.fixture
def silent_endpoint(monkeypatch) -> Iterator[SilentEndpoint]:
    # Dummy credentials, so that botocore signs the request without looking for real ones anywhere.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    endpoint = SilentEndpoint()
    yield endpoint
    endpoint.close()


def seconds_to_give_up(call) -> float:
    began = time.monotonic()
    with pytest.raises(ReadTimeoutError):
        call()
    return time.monotonic() - began


def test_a_call_through_the_repositorys_client_gives_up_within_the_bound_after_every_attempt(silent_endpoint):
    bound, attempts = store_call_bound(), total_attempts()
    table = dynamodb_resource("eu-central-1", silent_endpoint.url).Table("registrations")
    seconds = seconds_to_give_up(lambda: table.get_item(Key={"event": "e", "email": "a@gemeente.example"}))
    assert seconds <= bound + SLACK_SECONDS, f"gave up after {seconds:.1f} s"
    assert silent_endpoint.requests == attempts


@pytest.mark.parametrize(
    "config",
    [
        # `max_attempts` counts the retries only: 3 means four attempts (the former setting)
        Config(connect_timeout=0.2, read_timeout=0.2, retries={"mode": "standard", "max_attempts": 3}),
        Config(connect_timeout=0.2, read_timeout=0.3, retries={"mode": "standard"}),
        # A hang is all read timeout: a bound that left the read timeouts out would be passed by seconds
        Config(connect_timeout=0.1, read_timeout=2.5, retries={"mode": "standard", "total_max_attempts": 2}),
    ],
    ids=["max_attempts=3", "default", "long read timeout"],
)
def test_the_bound_and_the_attempts_hold_for_other_settings(silent_endpoint, config):
    # Read from the settings as written: making a client rewrites `max_attempts` into `total_max_attempts`.
    bound, attempts = store_call_bound(config), total_attempts(config)
    client = boto3.client("dynamodb", region_name="eu-central-1", endpoint_url=silent_endpoint.url, config=config)
    seconds = seconds_to_give_up(lambda: client.describe_table(TableName="registrations"))
    assert seconds <= bound + SLACK_SECONDS, f"gave up after {seconds:.1f} s"
    assert silent_endpoint.requests == attempts


@pytest.mark.parametrize(
    "config, attempts, bound",
    [
        # Worked out by hand from botocore's documentation: attempts × (connect + read) + 1 s, 2 s, 4 s … of
        # longest backoff before the 2nd, 3rd, 4th … attempt.
        (boto_config(), 2, 6.0),  # 2 × (1 + 1.5) + 1
        (Config(connect_timeout=2, read_timeout=3, retries={"mode": "standard", "max_attempts": 3}), 4, 27.0),
        (Config(connect_timeout=1, read_timeout=1, retries={"mode": "standard"}), 3, 9.0),  # 3 × 2 + 1 + 2
        (Config(connect_timeout=1, read_timeout=1, retries={"mode": "standard", "total_max_attempts": 1}), 1, 2.0),
    ],
)
def test_the_bound_for_given_settings(config, attempts, bound):
    assert total_attempts(config) == attempts
    assert store_call_bound(config) == pytest.approx(bound)


def test_a_hanging_store_is_answered_before_the_page_script_gives_up():
    # The page's own timeout says only "niet verstuurd"; the API's 503 says what to do. It must come first, and a
    # registration makes one store call before a hang can fail it.
    send_timeout = int(re.search(r"SEND_TIMEOUT_MS = (\d+);", SCRIPT.read_text(encoding="utf-8"))[1]) / 1000
    assert store_call_bound(boto_config()) < send_timeout
