"""dev/watch.py: a dynalite that dies is started again with its data; one that keeps dying stops `make run` with a
message. (The whole `make run`: tests/integration/test_local_run.py.)"""

from __future__ import annotations

import os
import signal
import time

from registrations.dev.watch import DynaliteWatch
from registrations.local.dynalite import Dynalite, use_local_credentials
from registrations.repository import dynamodb_resource


def restarted(caplog, times: int) -> bool:
    """The watch said `times` times that dynalite runs again (only after the new process listens)."""
    return sum("dynalite is running again" in r.getMessage() for r in caplog.records) >= times


def wait_until(condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_dynalite_that_dies_is_started_again_with_its_data(tmp_path, caplog):
    use_local_credentials()
    given_up: list[str] = []
    with Dynalite(data_dir=tmp_path / "dynalite") as dynalite:
        table = dynamodb_resource("eu-central-1", dynalite.endpoint).create_table(
            TableName="watched",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        )
        table.wait_until_exists()
        table.put_item(Item={"k": "before"})
        # dynalite writes to its store a moment after answering; a kill -9 right away can lose the table itself.
        time.sleep(0.5)
        watch = DynaliteWatch(dynalite, given_up.append, interval=0.05).start()
        try:
            os.kill(dynalite.process.pid, signal.SIGKILL)
            wait_until(lambda: restarted(caplog, 1))
            # The same endpoint answers again, with the data of before
            table.put_item(Item={"k": "after"})
            assert {item["k"] for item in table.scan()["Items"]} == {"before", "after"}
        finally:
            watch.stop()
    assert given_up == []


def test_a_dynalite_that_keeps_dying_stops_make_run_with_a_message(tmp_path, caplog):
    given_up: list[str] = []
    with Dynalite(data_dir=tmp_path / "dynalite") as dynalite:
        watch = DynaliteWatch(dynalite, given_up.append, interval=0.05, max_restarts=1).start()
        try:
            os.kill(dynalite.process.pid, signal.SIGKILL)
            wait_until(lambda: restarted(caplog, 1))
            os.kill(dynalite.process.pid, signal.SIGKILL)
            wait_until(lambda: given_up)
        finally:
            watch.stop()
    [message] = given_up
    assert message.startswith("dynalite (the local database) stopped 2 times within 60 seconds")
    assert "make run stops" in message
