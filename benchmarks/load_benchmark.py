"""Load benchmark (not a test): the local stack as `make run` serves it (waitress, app_with_worker, dynalite on disk).

1. 1,000 distinct registrations from 50 concurrent clients: every one stored, zero errors; p50, p99, throughput.
2. 200 concurrent submissions of one address, released together: exactly one stored.
3. Next to it, in the same run on the same dynalite: 1,000 raw conditional put_items from 50 threads.

It prints the figures and writes them to the report (results.py); it exits 1 when a registration was lost, an
error answered, or the one address stored other than once. Loopback only, bounded loops.

Run: make bench-load   (or .venv/bin/python -m benchmarks.load_benchmark [--registrations N] [--clients N])
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import results
from benchmarks.results import Figure
from benchmarks.stack import MEETING_ID, Stack, local_stack, ms, post, unique_email, wait_for_outbox
from registrations.repository import dynamodb_resource


def in_parallel(clients: int, work: Callable[[int], None]) -> float:
    """Run work(0..clients-1) in threads released together; the wall time in seconds."""
    barrier = threading.Barrier(clients + 1)

    def run(n: int) -> None:
        barrier.wait()
        work(n)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start


def distinct(stack: Stack, count: int, clients: int) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    emails: list[str] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        connection = stack.connection()  # one keep-alive connection per client, as a browser has
        for i in range(n, count, clients):
            email = unique_email(f"last{i}")
            status, seconds = post(connection, email)
            with lock:
                latencies.append(seconds)
                statuses[status] += 1
                emails.append(email)
        connection.close()

    wall = in_parallel(clients, client)
    stored = {str(item["email"]) for item in stack.stored()}
    return {
        "wall": wall,
        "latencies": latencies,
        "statuses": statuses,
        "sent": emails,
        "stored": len(stored & set(emails)),
        "errors": sum(n for s, n in statuses.items() if s != 201),
    }


def one_address(stack: Stack, count: int) -> dict[str, Any]:
    email = unique_email("dezelfde")
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def client(n: int) -> None:
        # A connection each, closed after its answer: waitress holds at most connection_limit open connections
        # (registrations.dev.server.LIMITS, as make run), and the others wait in the listen queue until one closes.
        connection = stack.connection()
        status, seconds = post(connection, email)
        connection.close()
        with lock:
            latencies.append(seconds)
            statuses[status] += 1

    wall = in_parallel(count, client)
    stored = [item for item in stack.stored() if item["email"] == email]
    return {"wall": wall, "latencies": latencies, "statuses": statuses, "stored": len(stored)}


def raw_puts(stack: Stack, count: int, clients: int) -> dict[str, Any]:
    """The baseline: the same conditional put the app makes, straight from boto3, one client per thread."""
    tables = [
        dynamodb_resource(stack.config["AWS_REGION"], stack.config["DYNAMODB_ENDPOINT"]).Table(
            stack.config["REGISTRATIONS_TABLE"]
        )
        for _ in range(clients)
    ]
    latencies: list[float] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        for i in range(n, count, clients):
            item = {
                "event": "raw-" + MEETING_ID,
                "email": unique_email(f"raw{i}"),
                "given_name": "Jan",
                "family_name": "Jansen",
                "status": "registered",
            }
            start = time.perf_counter()
            tables[n].put_item(
                Item=item,
                ConditionExpression="attribute_not_exists(#pk) OR #s = :c",
                ExpressionAttributeNames={"#pk": "event", "#s": "status"},
                ExpressionAttributeValues={":c": "cancelled"},
            )
            with lock:
                latencies.append(time.perf_counter() - start)

    wall = in_parallel(clients, client)
    return {"wall": wall, "latencies": latencies}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--same-address", type=int, default=200)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-load-") as folder, local_stack(Path(folder)) as stack:
        # A few requests first, so the first measured ones do not pay for the lazy table and the imports.
        warm = stack.connection()
        for _ in range(10):
            post(warm, unique_email("warm"))
        warm.close()
        load = distinct(stack, args.registrations, args.clients)
        same = one_address(stack, args.same_address)
        # The local deliverer confirms what was stored; the baseline runs once it is done, on a quiet store.
        expected_mail = 10 + load["stored"] + same["stored"]
        delivered = wait_for_outbox(stack.config["MAIL_OUTBOX"], expected_mail, ceiling=120)
        raw = raw_puts(stack, args.registrations, args.clients)

    api_ms, raw_ms, same_ms = ms(load["latencies"]), ms(raw["latencies"]), ms(same["latencies"])
    api_rate, raw_rate = args.registrations / load["wall"], args.registrations / raw["wall"]
    ok = (
        load["stored"] == args.registrations
        and load["errors"] == 0
        and same["stored"] == 1
        and same["statuses"][201] == 1
        and same["statuses"][201] + same["statuses"][409] == args.same_address
    )
    print(
        f"{args.registrations} distinct registrations from {args.clients} clients: stored {load['stored']}, "
        f"errors {load['errors']} ({dict(load['statuses'])}), p50 {api_ms['p50']:.1f} ms, p99 {api_ms['p99']:.1f} ms, "
        f"{api_rate:.0f} registrations/s"
    )
    print(
        f"raw put_item, {args.registrations} from {args.clients} threads: p50 {raw_ms['p50']:.1f} ms, "
        f"p99 {raw_ms['p99']:.1f} ms, {raw_rate:.0f} puts/s"
    )
    print(
        f"{args.same_address} concurrent posts of one address: {dict(same['statuses'])}, stored {same['stored']}, "
        f"p50 {same_ms['p50']:.1f} ms, p99 {same_ms['p99']:.1f} ms"
    )
    print(f"confirmations written by the local deliverer: {delivered} of {expected_mail}")
    results.write(
        "load",
        title="Load on the local stack (waitress, as make run)",
        command="make bench-load",
        figures=[
            Figure(
                f"{args.registrations:,} distinct registrations: stored",
                load["stored"],
                "registrations",
                note=f"from {args.clients} concurrent clients",
            ),
            Figure(f"{args.registrations:,} distinct registrations: answers other than 201", load["errors"], "answers"),
            Figure(
                "POST /api/registrations under load, p50",
                api_ms["p50"],
                "ms",
                raw_ms["p50"],
                f"raw put_item, {args.clients} threads, p50",
            ),
            Figure(
                "POST /api/registrations under load, p99",
                api_ms["p99"],
                "ms",
                raw_ms["p99"],
                f"raw put_item, {args.clients} threads, p99",
            ),
            Figure("throughput", api_rate, "registrations/s", raw_rate, f"raw put_item, {args.clients} threads"),
            Figure(
                f"{args.same_address} concurrent posts of one address: stored",
                same["stored"],
                "registrations",
                note=", ".join(f"{n}× {status}" for status, n in sorted(same["statuses"].items())),
            ),
            Figure(f"{args.same_address} concurrent posts of one address, p99", same_ms["p99"], "ms"),
            Figure(
                "confirmations written by the local deliverer meanwhile",
                delivered,
                "emails",
                note=f"of {expected_mail} stored",
            ),
        ],
        notes=[
            f"waitress with 8 threads, app_with_worker and dynalite with its data on disk, as `make run`; each "
            f"client has one keep-alive connection. The baseline is the app's conditional put_item from "
            f"{args.clients} threads against the same dynalite, after the deliverer finished.",
            "OK: every registration stored, no error, one address stored once."
            if ok
            else "FAILED: a registration was lost, an error answered, or the one address stored other than once.",
        ],
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
