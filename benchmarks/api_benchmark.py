"""Benchmark of the registration API (not a test: prints numbers, asserts nothing about time).

1. Latency of POST /api/registrations through the real local server (waitress, over HTTP) against dynalite, next
   to three baselines in the same run, interleaved: a raw boto3 put_item; a minimal Flask route on the same WSGI
   server that makes the same single conditional put_item; and the request as it was before the deliverer (the
   same registration with the email sent and recorded inside the request). Goal: within 1.2x of the minimal route
   and 2x of the raw put.
2. The deliverer: 1,000 owed confirmations delivered to the outbox by one sweep; wall time and messages per second.
3. Import time of the app (import + create_app) next to bare `import flask, boto3`, each in fresh processes.

Run: make bench-api   (or .venv/bin/python -m benchmarks.api_benchmark [--requests N])
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks import results
from benchmarks.results import Figure
from registrations import create_app, create_deliverer
from registrations.local.dynalite import Dynalite, free_port, local_config, prepare_table, use_local_credentials
from registrations.meeting import load_meeting
from registrations.registration.item import NewIds, new_item
from registrations.registration.validation import validate
from registrations.repository import dynamodb_resource


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def summary(name: str, samples: list[float]) -> dict:
    ms = [s * 1000 for s in samples]
    return {"name": name, "n": len(ms), "median_ms": statistics.median(ms), "p99_ms": percentile(ms, 99)}


BASE = {
    "given_name": "Jan",
    "family_name": "Jansen",
    "organisation": "dcmr",
    "role": "algemeen-bestuur",
    "on_behalf_of": "Gemeente Rotterdam",
    "remark": "",
    "consent": "ja",
}


def minimal_app(table: Any) -> Any:
    """The least a registration route can be: parse JSON, one conditional put_item, answer 201."""
    from flask import Flask, jsonify, request

    app = Flask("minimal")

    @app.post("/api/registrations")
    def register() -> Any:
        data = request.get_json()
        item = {
            "event": "minimal",
            "email": data["email"].lower(),
            **{k: data[k] for k in BASE if k != "consent"},
            "status": "registered",
            "submission_id": uuid.uuid4().hex,
        }
        table.put_item(
            Item=item,
            ConditionExpression="attribute_not_exists(#pk) OR #s = :c",
            ExpressionAttributeNames={"#pk": "event", "#s": "status"},
            ExpressionAttributeValues={":c": "cancelled"},
        )
        return jsonify(registration=item), 201

    return app


def mail_in_the_request_app(config: dict[str, Any]) -> Any:
    """The request as before the deliverer: register, then send and record the email before answering."""
    from flask import jsonify, request

    app = create_app(config)
    deliverer = create_deliverer(config)

    def register() -> Any:
        item = app.extensions["registrations"].register(request.get_json())
        deliverer.deliver(item["email"])
        return jsonify(registration=item), 201

    app.view_functions["api.create_registration"] = register
    return app


def serve(app: Any) -> tuple[Any, http.client.HTTPConnection]:
    from waitress import create_server

    port = free_port()
    server = create_server(app, host="127.0.0.1", port=port, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    return server, http.client.HTTPConnection("127.0.0.1", port)


def config_for(dynalite: Dynalite, table: str, data_dir: Path) -> dict[str, Any]:
    config = local_config(dynalite, table=table, data_dir=data_dir)
    config["PREVIEW_NOW"] = "2023-05-10T10:00"
    config["MAIL_OUTBOX"] = str(data_dir / f"outbox-{table}")
    prepare_table(config)
    return config


def bench_requests(n: int, dynalite: Dynalite, data_dir: Path) -> list[dict]:
    api_config = config_for(dynalite, "bench-api", data_dir)
    before_config = config_for(dynalite, "bench-before", data_dir)
    config_for(dynalite, "bench-minimal", data_dir)  # the minimal route's table
    resource = dynamodb_resource(api_config["AWS_REGION"], api_config["DYNAMODB_ENDPOINT"])
    servers = {
        "api": serve(create_app(api_config)),
        "minimal": serve(minimal_app(resource.Table("bench-minimal"))),
        "before": serve(mail_in_the_request_app(before_config)),
    }
    raw_table = resource.Table("bench-api")

    def post(name: str, i: int) -> float:
        _, conn = servers[name]
        body = json.dumps({**BASE, "email": f"{name}{i}-{uuid.uuid4().hex[:6]}@gemeente.example"})
        start = time.perf_counter()
        # As the site's own page posts it (the origin guard refuses anything else).
        conn.request(
            "POST",
            "/api/registrations",
            body=body,
            headers={"Content-Type": "application/json", "Sec-Fetch-Site": "same-origin"},
        )
        response = conn.getresponse()
        response.read()
        elapsed = time.perf_counter() - start
        assert response.status == 201, response.status
        return elapsed

    def put(i: int) -> float:
        item = {"event": "raw", "email": f"raw{i}@gemeente.example", **BASE, "status": "registered"}
        start = time.perf_counter()
        raw_table.put_item(
            Item=item, ConditionExpression="attribute_not_exists(#pk)", ExpressionAttributeNames={"#pk": "event"}
        )
        return time.perf_counter() - start

    samples: dict[str, list[float]] = {"api": [], "minimal": [], "before": [], "raw": []}
    for i in range(-20, n):  # the first 20 warm up connections and caches; interleaved, so all see the same noise
        timing = {"api": post("api", i), "minimal": post("minimal", i), "before": post("before", i), "raw": put(i)}
        if i >= 0:
            for name, value in timing.items():
                samples[name].append(value)
    for server, _ in servers.values():
        server.close()
    return [
        summary("POST /api/registrations (now)", samples["api"]),
        summary("minimal Flask route, one put_item", samples["minimal"]),
        summary("POST with the email inside (before)", samples["before"]),
        summary("raw boto3 put_item", samples["raw"]),
    ]


def bench_deliverer(count: int, dynalite: Dynalite, data_dir: Path) -> dict[str, float]:
    """`count` registrations that owe their confirmation, delivered to the outbox by one sweep."""
    config = config_for(dynalite, "bench-deliverer", data_dir)
    table = dynamodb_resource(config["AWS_REGION"], config["DYNAMODB_ENDPOINT"]).Table("bench-deliverer")
    meeting = load_meeting()
    now = dt.datetime(2023, 5, 10, 8, 0, tzinfo=dt.UTC)
    with table.batch_writer() as batch:
        for i in range(count):
            data = validate({**BASE, "email": f"persoon{i}@gemeente{i}.example"}, meeting)
            batch.put_item(Item=dict(new_item(data, meeting, now, NewIds.make())))
    deliverer = create_deliverer(config)
    start = time.perf_counter()
    counts = deliverer.sweep()
    wall = time.perf_counter() - start
    assert counts == {"sent": count}, counts
    return {"messages": count, "seconds": wall, "per_second": count / wall}


IMPORT_APP = (
    "import time; t=time.perf_counter(); from registrations import create_app; "
    "create_app({'REGISTRATIONS_TABLE': 't', 'AWS_REGION': 'eu-central-1', 'TOKEN_SECRET': 'x', "
    "'MAIL_OUTBOX': '/tmp/outbox', 'MAIL_SENDER': 'a@b.nl'}); print(time.perf_counter()-t)"
)
IMPORT_BARE = "import time; t=time.perf_counter(); import flask, boto3; print(time.perf_counter()-t)"


def bench_imports(runs: int) -> tuple[dict, dict]:
    def sample(code: str) -> float:
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
        return float(out.stdout.strip())

    app, bare = [], []
    for _ in range(runs):
        app.append(sample(IMPORT_APP))
        bare.append(sample(IMPORT_BARE))
    return summary("import registrations + create_app()", app), summary("bare import flask, boto3", bare)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--import-runs", type=int, default=15)
    parser.add_argument("--deliveries", type=int, default=1000)
    args = parser.parse_args()
    use_local_credentials()
    data_dir = Path(os.environ.get("BENCH_DIR", ".bench"))
    with Dynalite() as dynalite:
        rows = bench_requests(args.requests, dynalite, data_dir)
        delivered = bench_deliverer(args.deliveries, dynalite, data_dir)
    app, bare = bench_imports(args.import_runs)
    print(f"{'measurement':45} {'n':>5} {'median ms':>10} {'p99 ms':>9}")
    for row in (*rows, app, bare):
        print(f"{row['name']:45} {row['n']:>5} {row['median_ms']:>10.2f} {row['p99_ms']:>9.2f}")
    api, minimal, before, raw = rows
    for name, base in (("minimal route", minimal), ("raw put_item", raw), ("email inside (before)", before)):
        print(
            f"ratio POST now / {name}: median {api['median_ms'] / base['median_ms']:.2f}x, "
            f"p99 {api['p99_ms'] / base['p99_ms']:.2f}x"
        )
    print(
        f"deliverer: {delivered['messages']:.0f} owed confirmations to the outbox in {delivered['seconds']:.2f} s "
        f"({delivered['per_second']:.0f} messages/s)"
    )
    print(f"ratio app import/bare import: median {app['median_ms'] / bare['median_ms']:.2f}x")
    results.write(
        "api",
        title="API latency and import time",
        command="make bench-api",
        figures=[
            Figure(
                "POST /api/registrations over HTTP (waitress), median",
                api["median_ms"],
                "ms",
                raw["median_ms"],
                "raw boto3 put_item, median",
            ),
            Figure(
                "POST /api/registrations over HTTP (waitress), p99",
                api["p99_ms"],
                "ms",
                raw["p99_ms"],
                "raw boto3 put_item, p99",
            ),
            Figure(
                "POST /api/registrations, median",
                api["median_ms"],
                "ms",
                minimal["median_ms"],
                "minimal Flask route doing the same put_item, median",
            ),
            Figure(
                "POST /api/registrations, p99",
                api["p99_ms"],
                "ms",
                minimal["p99_ms"],
                "minimal Flask route doing the same put_item, p99",
            ),
            Figure(
                "POST with the email sent inside the request (before issue 12), median",
                before["median_ms"],
                "ms",
                raw["median_ms"],
                "raw boto3 put_item, median",
            ),
            Figure(
                "import registrations + create_app(), median",
                app["median_ms"],
                "ms",
                bare["median_ms"],
                "bare import flask, boto3, median",
            ),
        ],
        notes=[
            f"{api['n']} requests after 20 warm-up, interleaved with the raw put_item on the same dynalite; "
            f"{app['n']} fresh interpreters for the imports.",
            f"Deliverer: {delivered['messages']:.0f} owed confirmations to the outbox in "
            f"{delivered['seconds']:.2f} s ({delivered['per_second']:.0f} messages/s).",
        ],
    )
    results.write(
        "deliverer",
        title="Deliverer throughput",
        command="make bench-api",
        figures=[
            Figure(
                "owed confirmations delivered to the outbox by one sweep",
                delivered["per_second"],
                "messages/s",
                note=f"{delivered['messages']:.0f} messages in {delivered['seconds']:.2f} s",
            )
        ],
        notes=[
            "dynalite and the outbox sender; each message is claimed, built (text, HTML, .ics), written and "
            "confirmed with conditional updates, one after another, as the sweep does."
        ],
    )


if __name__ == "__main__":
    main()
