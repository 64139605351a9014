"""The store failing under the app: paused mid-burst (SIGSTOP), killed and restarted, throttled.

Bounds come from the client's configuration (repository.boto_config()), never from a measured time: `make bench-faults`
measures the real time to 503. Each pausing or killing test has a dynalite of its own, never the shared one.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from boto3.dynamodb.conditions import Key
from botocore.awsrequest import AWSResponse

from registrations import create_app, create_deliverer
from registrations.local.dynalite import Dynalite, local_config, prepare_table
from registrations.meeting import load_meeting
from registrations.registration.inboxes import InboxRecords
from registrations.repository import RegistrationRepository, dynamodb_resource, store_call_bound, total_attempts
from tests.conftest import OPEN_MOMENT, own_page_client
from tests.mailbox import messages, personal_path_of

EVENT_ID = load_meeting().id
# Room for thread scheduling on a busy CI machine, on top of the configured bound; not a measured figure.
SCHEDULING_SLACK = 2.0


def form(email: str) -> dict[str, str]:
    return {
        "given_name": "Anna",
        "family_name": "de Vries",
        "email": email,
        "organisation": "dcmr",
        "organisation_other": "",
        "role": "algemeen-bestuur",
        "on_behalf_of": "Gemeente Schiedam",
        "remark": "",
        "consent": "ja",
    }


class PutAttempts:
    """A botocore hook that counts, per address, the attempts of each write a registration makes, as they go out
    (retries included): the inbox's record (UpdateItem, registration/inboxes.py), then the registration's put (PutItem)."""

    def __init__(self, inboxes: InboxRecords) -> None:
        self.inboxes = inboxes
        self.per_write: Counter[tuple[str, str]] = Counter()
        self.last: dict[str, str] = {}
        self._lock = threading.Lock()
        self._addresses: dict[str, str] = {}

    def expect(self, email: str) -> None:
        with self._lock:
            self._addresses[self.inboxes.key(EVENT_ID, email)] = email

    def __call__(self, request: Any, **_: Any) -> None:
        body = json.loads(request.body)
        if "Item" in body:
            email, write = body["Item"]["email"]["S"], "put"
        else:
            email, write = self._addresses.get(body["Key"]["email"]["S"], ""), "inbox"
        with self._lock:
            self.per_write[(email, write)] += 1
            self.last[email] = write

    def of_last_write(self, email: str) -> int:
        """The attempts of the last write this address's request made: the one that failed, for a refused one."""
        return self.per_write[(email, self.last.get(email, ""))]


class OwnStore:
    """A dynalite of this test's own, with its data on disk, and the app and table wired to it."""

    def __init__(self, folder: Path, clock: Any):
        self.folder = folder
        self.clock = clock
        self.dynalite = Dynalite(data_dir=folder / "store").start()
        self.config = local_config(self.dynalite, table="faults", data_dir=folder / "data")
        self.config["PREVIEW_NOW"] = OPEN_MOMENT
        prepare_table(self.config)
        resource = dynamodb_resource(self.config["AWS_REGION"], self.config["DYNAMODB_ENDPOINT"])
        self.attempts = PutAttempts(InboxRecords(RegistrationRepository(None), self.config["TOKEN_SECRET"]))
        resource.meta.client.meta.events.register("before-send.dynamodb.PutItem", self.attempts)
        resource.meta.client.meta.events.register("before-send.dynamodb.UpdateItem", self.attempts)
        self.table = resource.Table(self.config["REGISTRATIONS_TABLE"])
        self.app = create_app(self.config, clock=clock, table=self.table)

    @property
    def pid(self) -> int:
        assert self.dynalite.process is not None
        return self.dynalite.process.pid

    def post(self, email: str) -> Any:
        self.attempts.expect(email)
        return own_page_client(self.app).post("/api/registrations", json=form(email))

    def stored(self) -> set[str]:
        # A client of its own: the app's may still be waiting out a hung call.
        table = dynamodb_resource(self.config["AWS_REGION"], self.config["DYNAMODB_ENDPOINT"]).Table("faults")
        items = table.query(KeyConditionExpression=Key("event").eq(EVENT_ID), ConsistentRead=True)["Items"]
        return {str(item["email"]) for item in items}

    def confirmations(self) -> Counter[str]:
        """Delivers what is owed, as the sweep does, and counts the emails per recipient in the outbox."""
        create_deliverer(self.config, clock=self.clock).sweep()
        return Counter(m["To"].addresses[0].addr_spec for m in messages(self.config["MAIL_OUTBOX"]))

    def restart(self) -> None:
        """Start dynalite again on the same port and data folder (the app's endpoint does not change)."""
        self.dynalite = Dynalite(data_dir=self.folder / "store", port=self.dynalite.port).start()


@pytest.fixture
def own_store(tmp_path: Path, dynalite: Dynalite, clock: Any) -> Iterator[OwnStore]:
    # `dynalite` (the session's) only for the dummy credentials it sets; this test pauses or kills its own.
    store = OwnStore(tmp_path, clock)
    try:
        yield store
    finally:
        if store.dynalite.process and store.dynalite.process.poll() is None:
            os.kill(store.pid, signal.SIGCONT)  # a paused process cannot act on SIGTERM
        store.dynalite.stop()


def settled(store: OwnStore, ceiling: float = 10.0) -> set[str]:
    """The stored addresses once requests that reached dynalite while it was paused have been handled: the same
    answer twice in a row. The ceiling only bounds a failing test."""
    deadline = time.monotonic() + ceiling
    last = store.stored()
    while time.monotonic() < deadline:
        time.sleep(0.2)
        now = store.stored()
        if now == last:
            return now
        last = now
    return last


def test_a_store_paused_mid_burst_answers_503_within_the_configured_bound_and_loses_nothing(own_store):
    clients, cap, pause_after = 6, 40, 12
    answers: list[tuple[str, int, str | None]] = []
    lock = threading.Condition()

    def person(n: int) -> None:
        # Each client registers new addresses one after another and stops at its first error, as a person would.
        for i in range(cap):
            email = f"p{n}-{i}-{uuid.uuid4().hex[:6]}@gemeente.example"
            response = own_store.post(email)
            with lock:
                answers.append((email, response.status_code, response.headers.get("Retry-After")))
                lock.notify_all()
            if response.status_code != 201:
                return

    threads = [threading.Thread(target=person, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    # When the store stops answering in the middle of the burst
    with lock:
        assert lock.wait_for(lambda: len(answers) >= pause_after, timeout=30)
    os.kill(own_store.pid, signal.SIGSTOP)
    paused_at = time.monotonic()

    # Then every client gets its answer within what the configured timeouts, retries and backoff allow
    bound = store_call_bound()
    for thread in threads:
        thread.join(timeout=max(0.0, paused_at + bound + SCHEDULING_SLACK - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), f"no answer within {bound} s of the pause"
    os.kill(own_store.pid, signal.SIGCONT)

    acknowledged = {email for email, status, _ in answers if status == 201}
    refused = {email for email, status, _ in answers if status != 201}
    # And the requests that hung were answered 503 with Retry-After, after every configured attempt and no more
    assert {(status, retry_after) for _, status, retry_after in answers if status != 201} == {(503, "60")}
    assert len(refused) == clients and len(acknowledged) >= pause_after - clients
    assert {own_store.attempts.of_last_write(email) for email in refused} == {total_attempts()}

    # And nothing acknowledged was lost; whatever else is stored is a refused request that did reach the store
    stored = settled(own_store)
    assert acknowledged <= stored
    assert stored <= acknowledged | refused
    # And everything stored is confirmed by email exactly once, so a person answered 503 whose registration was
    # stored after all still learns that it worked; a refused one that was not stored gets nothing
    assert own_store.confirmations() == Counter(stored)


def test_a_store_killed_and_restarted_answers_503_while_down_and_keeps_every_acknowledged_registration(own_store):
    before = [f"voor{i}@gemeente.example" for i in range(5)]
    assert [own_store.post(email).status_code for email in before] == [201] * 5

    # When the store is killed
    own_store.dynalite.process.kill()
    own_store.dynalite.process.wait()
    down = [f"tijdens{i}@gemeente.example" for i in range(3)]
    answers = [own_store.post(email) for email in down]
    # Then each request is answered 503 with Retry-After, after every configured attempt
    assert [(a.status_code, a.headers.get("Retry-After"), a.get_json()["error"]["code"]) for a in answers] == [
        (503, "60", "store_unavailable")
    ] * 3
    assert {own_store.attempts.of_last_write(email) for email in down} == {total_attempts()}

    # And after a restart on the same data, it works again: the refused people can register now
    own_store.restart()
    after = [f"na{i}@gemeente.example" for i in range(2)]
    assert [own_store.post(email).status_code for email in down + after] == [201] * 5
    # And no registration acknowledged before the kill is lost, and each is confirmed once
    assert own_store.stored() == set(before + down + after)
    assert own_store.confirmations() == Counter(before + down + after)


class Throttled:
    """A botocore hook on the real client: the first `times` PutItem attempts are answered by DynamoDB's throttling
    error (HTTP 400 with that error code), the others go to dynalite. botocore's retry handler sees each one."""

    def __init__(self, code: str, times: int):
        self.code, self.times, self.attempts = code, times, 0

    def __call__(self, request: Any, **_: Any) -> AWSResponse | None:
        self.attempts += 1
        if self.attempts > self.times:
            return None
        body = json.dumps(
            {
                "__type": f"com.amazonaws.dynamodb.v20120810#{self.code}",
                "message": "Rate of requests exceeds the allowed throughput.",
            }
        ).encode()
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": uuid.uuid4().hex}
        return AWSResponse(request.url, 400, headers, RawBody(body))


class RawBody:
    def __init__(self, body: bytes):
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


def throttled_app(app_config: dict[str, Any], clock: Any, hook: Throttled) -> Any:
    resource = dynamodb_resource(app_config["AWS_REGION"], app_config["DYNAMODB_ENDPOINT"])
    resource.meta.client.meta.events.register("before-send.dynamodb.PutItem", hook)
    return create_app(app_config, clock=clock, table=resource.Table(app_config["REGISTRATIONS_TABLE"]))


THROTTLING = ["ProvisionedThroughputExceededException", "ThrottlingException"]


@pytest.mark.parametrize("code", THROTTLING)
def test_throttling_that_lasts_is_retried_then_answered_503_with_retry_after(app_config, clock, table, code):
    hook = Throttled(code, times=total_attempts())
    response = own_page_client(throttled_app(app_config, clock, hook)).post(
        "/api/registrations", json=form("druk@gemeente.example")
    )
    assert hook.attempts == total_attempts()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert response.get_json()["error"]["code"] == "store_unavailable"
    assert table.query(KeyConditionExpression=Key("event").eq(EVENT_ID))["Items"] == []


@pytest.mark.parametrize("code", THROTTLING)
def test_a_short_throttle_is_retried_by_botocore_and_the_registration_is_stored(app_config, clock, table, code):
    hook = Throttled(code, times=1)
    response = own_page_client(throttled_app(app_config, clock, hook)).post(
        "/api/registrations", json=form("druk@gemeente.example")
    )
    assert hook.attempts == 2
    assert response.status_code == 201
    [item] = table.query(KeyConditionExpression=Key("event").eq(EVENT_ID))["Items"]
    assert item["email"] == "druk@gemeente.example"


class PausesAfterTheFirstRead:
    """The app's real table; once the first call (the lookup of the link's registration) has answered, dynalite is
    paused (SIGSTOP), so every later read and write hangs for real until botocore gives up."""

    def __init__(self, store: OwnStore):
        self.store = store
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.store.table, name)
        if name not in ("put_item", "get_item", "update_item", "query", "scan", "delete_item"):
            return attribute

        def call(**request: Any) -> Any:
            self.calls.append(name)
            answer = attribute(**request)
            if len(self.calls) == 1:
                os.kill(self.store.pid, signal.SIGSTOP)
            return answer

        return call


def test_a_change_on_the_personal_page_while_the_store_hangs_keeps_what_was_typed_within_one_calls_bound(own_store):
    assert own_store.post("anna@gemeente.example").status_code == 201
    own_store.confirmations()
    [message] = messages(own_store.config["MAIL_OUTBOX"])
    path = personal_path_of(message)
    table = PausesAfterTheFirstRead(own_store)
    client = own_page_client(create_app(own_store.config, clock=own_store.clock, table=table))
    changed = {**form("anna@gemeente.example"), "remark": "Ik kom iets later.", "given_name": "Annemarie"}
    answers: list[Any] = []
    thread = threading.Thread(target=lambda: answers.append(client.post(path, data=changed)), daemon=True)
    thread.start()
    thread.join(timeout=store_call_bound() + SCHEDULING_SLACK)
    os.kill(own_store.pid, signal.SIGCONT)
    # Answered within one store call's bound: the failed write was the last store call
    assert answers, f"no answer within {store_call_bound()} s"
    assert table.calls == ["query", "update_item"]
    [response] = answers
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    page = response.get_data(as_text=True)
    assert "Uw wijzigingen konden nu niet worden opgeslagen door een storing bij ons." in page
    assert "Ik kom iets later.</textarea>" in page and 'value="Annemarie"' in page
