"""Benchmark of the registration API (not a test: prints numbers, asserts nothing about time).

1. Latency of POST /api/registrations through the real local server (waitress, over HTTP) against dynalite,
   next to raw boto3 put_item on the same dynalite in the same run.
2. Import time of the app (import + create_app) next to bare `import flask, boto3`, each in fresh processes.

Run: make bench-api   (or .venv/bin/python -m benchmarks.api_benchmark [--requests N])
"""

from __future__ import annotations

import argparse
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

from benchmarks import results
from benchmarks.results import Figure
from registrations import create_app
from registrations.dev.local import Dynalite, free_port, local_config, prepare_table, use_local_credentials
from registrations.repository import dynamodb_resource


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def summary(name: str, samples: list[float]) -> dict:
    ms = [s * 1000 for s in samples]
    return {"name": name, "n": len(ms), "median_ms": statistics.median(ms), "p99_ms": percentile(ms, 99)}


def bench_requests(n: int, data_dir: Path) -> tuple[dict, dict]:
    from waitress import create_server

    with Dynalite() as dynalite:
        config = local_config(dynalite, table="bench-api", data_dir=data_dir)
        config["PREVIEW_NOW"] = "2023-05-10T10:00"
        prepare_table(config)
        port = free_port()
        server = create_server(create_app(config), host="127.0.0.1", port=port, threads=4)
        threading.Thread(target=server.run, daemon=True).start()
        conn = http.client.HTTPConnection("127.0.0.1", port)
        base = {"given_name": "Jan", "family_name": "Jansen", "organisation": "dcmr", "role": "algemeen-bestuur",
                "on_behalf_of": "Gemeente Rotterdam", "remark": "", "consent": "ja"}

        def post(i: int) -> float:
            body = json.dumps({**base, "email": f"bench{i}-{uuid.uuid4().hex[:6]}@gemeente.example"})
            start = time.perf_counter()
            conn.request("POST", "/api/registrations", body=body, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - start
            assert response.status == 201, response.status
            return elapsed

        table = dynamodb_resource(config["AWS_REGION"], config["DYNAMODB_ENDPOINT"]).Table("bench-api")

        def put(i: int) -> float:
            item = {"event": "raw", "email": f"raw{i}@gemeente.example", **base, "status": "registered"}
            start = time.perf_counter()
            table.put_item(Item=item, ConditionExpression="attribute_not_exists(#pk)",
                           ExpressionAttributeNames={"#pk": "event"})
            return time.perf_counter() - start

        for i in range(20):  # warm-up: connections, caches
            post(-i - 1)
            put(-i - 1)
        api, raw = [], []
        for i in range(n):  # interleaved, so both see the same machine noise
            api.append(post(i))
            raw.append(put(i))
        server.close()
        return summary("POST /api/registrations (HTTP, waitress)", api), summary("raw boto3 put_item", raw)


IMPORT_APP = (
    "import time; t=time.perf_counter(); from registrations import create_app; "
    "create_app({'REGISTRATIONS_TABLE': 't', 'AWS_REGION': 'eu-central-1', 'TOKEN_SECRET': 'x', "
    "'MAIL_OUTBOX': '/tmp/outbox', 'MAIL_SENDER': 'a@b.nl'}); print(time.perf_counter()-t)"
)
IMPORT_BARE = "import time; t=time.perf_counter(); import flask, boto3; print(time.perf_counter()-t)"


def bench_imports(runs: int) -> tuple[dict, dict]:
    def sample(code: str) -> float:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
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
    args = parser.parse_args()
    use_local_credentials()
    data_dir = Path(os.environ.get("BENCH_DIR", ".bench"))
    api, raw = bench_requests(args.requests, data_dir)
    app, bare = bench_imports(args.import_runs)
    print(f"{'measurement':45} {'n':>5} {'median ms':>10} {'p99 ms':>9}")
    for row in (api, raw, app, bare):
        print(f"{row['name']:45} {row['n']:>5} {row['median_ms']:>10.2f} {row['p99_ms']:>9.2f}")
    print(f"ratio API/raw put_item: median {api['median_ms'] / raw['median_ms']:.2f}x, "
          f"p99 {api['p99_ms'] / raw['p99_ms']:.2f}x")
    print(f"ratio app import/bare import: median {app['median_ms'] / bare['median_ms']:.2f}x")
    results.write(
        "api", title="API latency and import time", command="make bench-api",
        figures=[
            Figure("POST /api/registrations over HTTP (waitress), median", api["median_ms"], "ms",
                   raw["median_ms"], "raw boto3 put_item, median"),
            Figure("POST /api/registrations over HTTP (waitress), p99", api["p99_ms"], "ms",
                   raw["p99_ms"], "raw boto3 put_item, p99"),
            Figure("import registrations + create_app(), median", app["median_ms"], "ms",
                   bare["median_ms"], "bare import flask, boto3, median"),
        ],
        notes=[f"{api['n']} requests after 20 warm-up, interleaved with the raw put_item on the same dynalite; "
               f"{app['n']} fresh interpreters for the imports."],
    )


if __name__ == "__main__":
    main()
