"""Time to 503 when the database hangs (not a test): the real seconds, next to the bound that repository.BOTO_CONFIG
allows (store_call_bound), on the local stack as `make run` serves it.

1. dynalite paused (SIGSTOP) while 8 clients (waitress's threads) each post one registration: seconds from the post to its 503.
2. dynalite killed: seconds from a post to its 503 (the connection is refused; botocore still retries).

Run: make bench-faults   (or .venv/bin/python -m benchmarks.store_hang_benchmark [--clients N])
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import threading
from pathlib import Path

from benchmarks import results
from benchmarks.results import Figure
from benchmarks.stack import WAITRESS_THREADS, Stack, local_stack, post, unique_email
from registrations.repository import BOTO_CONFIG, store_call_bound, total_attempts


def paused(stack: Stack, clients: int) -> list[tuple[int, float]]:
    assert stack.dynalite.process is not None
    answers: list[tuple[int, float]] = []
    lock = threading.Lock()
    connections = [stack.connection() for _ in range(clients)]
    for connection in connections:  # warm: each has its connection to the app, and the app its own to dynalite
        post(connection, unique_email("warm"))

    def client(n: int) -> None:
        answer = post(connections[n], unique_email("hang"))
        with lock:
            answers.append(answer)

    os.kill(stack.dynalite.process.pid, signal.SIGSTOP)
    try:
        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        os.kill(stack.dynalite.process.pid, signal.SIGCONT)
    for connection in connections:
        connection.close()
    return answers


def killed(stack: Stack, requests: int) -> list[tuple[int, float]]:
    assert stack.dynalite.process is not None
    stack.dynalite.process.kill()
    stack.dynalite.process.wait()
    connection = stack.connection()
    answers = [post(connection, unique_email("down")) for _ in range(requests)]
    connection.close()
    return answers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # As many as waitress has threads: more would wait for a thread first (on Lambda each has its own instance).
    parser.add_argument("--clients", type=int, default=WAITRESS_THREADS)
    args = parser.parse_args(argv)
    bound = store_call_bound()
    with tempfile.TemporaryDirectory(prefix="bench-hang-") as folder, local_stack(Path(folder)) as stack:
        hang = paused(stack, args.clients)
        down = killed(stack, 5)
    hang_s = [seconds for _, seconds in hang]
    down_s = [seconds for _, seconds in down]
    statuses = sorted({status for status, _ in hang + down})
    ok = statuses == [503] and max(hang_s) <= bound
    setting = (
        f"connect {BOTO_CONFIG.connect_timeout} s, read {BOTO_CONFIG.read_timeout} s, "
        f"{total_attempts()} attempts (standard mode)"
    )
    print(f"configured: {setting}; bound {bound:.1f} s per store call")
    print(
        f"paused: {args.clients} posts answered {statuses} after median {statistics.median(hang_s):.2f} s, "
        f"max {max(hang_s):.2f} s"
    )
    print(f"killed: 5 posts answered after median {statistics.median(down_s):.2f} s, max {max(down_s):.2f} s")
    results.write(
        "store-hang",
        title="Time to 503 when the database hangs",
        command="make bench-faults",
        figures=[
            Figure(
                "dynalite paused (SIGSTOP): post to 503, median",
                statistics.median(hang_s),
                "s",
                bound,
                "bound from BOTO_CONFIG",
            ),
            Figure(
                "dynalite paused (SIGSTOP): post to 503, max",
                max(hang_s),
                "s",
                bound,
                "bound from BOTO_CONFIG",
                note=f"{args.clients} concurrent posts",
            ),
            Figure(
                "dynalite killed: post to 503, median", statistics.median(down_s), "s", bound, "bound from BOTO_CONFIG"
            ),
        ],
        notes=[
            f"BOTO_CONFIG: {setting}. The bound is attempts × (connect + read timeout) plus the longest backoff "
            "before each retry (botocore's standard mode: at most 2^(n-1) s before the n-th).",
            "Before this setting (connect 2 s, read 3 s, max_attempts 3, which is 4 attempts) a hang took 13.6 s.",
            "OK: every post answered 503 within the bound."
            if ok
            else f"FAILED: answers {statuses}, or a post took longer than the bound.",
        ],
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
