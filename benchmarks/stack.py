"""The local stack as `make run` serves it, for the load and fault benchmarks: dynalite with its data on disk, the
app and its local deliverer (app_with_worker), one origin (site_and_api) on waitress with make run's 8 threads.
Loopback only.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from boto3.dynamodb.conditions import Key

from registrations.dev.local import app_with_worker, site_and_api
from registrations.local.dynalite import Dynalite, free_port, local_config, prepare_table, use_local_credentials
from registrations.meeting import load_meeting
from registrations.repository import dynamodb_resource

MEETING_ID = load_meeting().id
# Registration is open at this moment (as `make run PREVIEW_NOW=...`).
OPEN_MOMENT = "2023-05-10T10:00"
WAITRESS_THREADS = 8  # as dev/run.py


def form(email: str) -> dict[str, str]:
    return {
        "given_name": "Jan",
        "family_name": "Jansen",
        "email": email,
        "organisation": "dcmr",
        "organisation_other": "",
        "role": "algemeen-bestuur",
        "on_behalf_of": "Gemeente Rotterdam",
        "remark": "",
        "consent": "ja",
    }


class MovableClock:
    """A clock a benchmark moves by hand (set or advance), safe to read from the deliverer's threads."""

    def __init__(self, moment: dt.datetime):
        self._moment = moment
        self._lock = threading.Lock()

    def __call__(self) -> dt.datetime:
        with self._lock:
            return self._moment

    def set(self, moment: dt.datetime) -> None:
        with self._lock:
            self._moment = moment

    def advance(self, **delta: float) -> None:
        with self._lock:
            self._moment += dt.timedelta(**delta)


def unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@gemeente.example"


@dataclass
class Stack:
    dynalite: Dynalite
    config: dict[str, Any]
    port: int
    worker: Any

    def connection(self, timeout: float = 60.0) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def table(self) -> Any:
        return dynamodb_resource(self.config["AWS_REGION"], self.config["DYNAMODB_ENDPOINT"]).Table(
            self.config["REGISTRATIONS_TABLE"]
        )

    def stored(self) -> list[dict[str, Any]]:
        table, items = self.table(), []
        query: dict[str, Any] = {"KeyConditionExpression": Key("event").eq(MEETING_ID), "ConsistentRead": True}
        while True:
            page = table.query(**query)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                return items
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def post(connection: http.client.HTTPConnection, email: str) -> tuple[int, float]:
    """One registration as the site's own page sends it; its status and seconds. A broken connection is status 0."""
    body = json.dumps(form(email))
    start = time.perf_counter()
    try:
        connection.request(
            "POST",
            "/api/registrations",
            body=body,
            headers={"Content-Type": "application/json", "Accept": "application/json", "Sec-Fetch-Site": "same-origin"},
        )
        response = connection.getresponse()
        response.read()
        status = response.status
    except (OSError, http.client.HTTPException):
        connection.close()
        status = 0
    return status, time.perf_counter() - start


@contextmanager
def local_stack(folder: Path, table: str = "bench") -> Iterator[Stack]:
    from registrations.dev.server import local_server

    use_local_credentials()
    folder.mkdir(parents=True, exist_ok=True)
    site = folder / "site"  # POSTs go to /api; the site's files are not what is measured
    site.mkdir(exist_ok=True)
    with Dynalite(data_dir=folder / "dynalite") as dynalite:
        port = free_port()
        config = local_config(dynalite, table=table, data_dir=folder / "data", port=port)
        config["PREVIEW_NOW"] = OPEN_MOMENT
        prepare_table(config)
        api, worker = app_with_worker(config)
        server = local_server(site_and_api(site, api), port, threads=WAITRESS_THREADS)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            yield Stack(dynalite, config, port, worker)
        finally:
            # Closed once its threads are idle: a thread still finishing an answer would write to a closed trigger.
            deadline = time.monotonic() + 5
            while server.task_dispatcher.active_count and time.monotonic() < deadline:
                time.sleep(0.02)
            server.close()
            worker.stop()


def wait_for_outbox(outbox: str | Path, count: int, ceiling: float) -> int:
    """The number of .eml files in the outbox once there are `count` (or the ceiling passed)."""
    deadline = time.monotonic() + ceiling
    while (found := len(list(Path(outbox).glob("*.eml")))) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def ms(values: list[float]) -> dict[str, float]:
    return {"p50": statistics.median(values) * 1000, "p99": percentile(values, 99) * 1000}
