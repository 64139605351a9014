"""Time to 503 when the database hangs (not a test): the real seconds, next to the bound that repository.boto_config()
allows (store_call_bound), on the local stack as `make run` serves it.

1. dynalite paused (SIGSTOP) while 8 clients (waitress's threads) each post one registration: seconds from the post to its 503.
2. dynalite paused while 4 people change their registration on the personal page, and 4 others register (the
   baseline: one store call that waits out its bound): seconds to the answer, which must keep what was typed.
3. dynalite killed: seconds from a post to its 503 (the connection is refused; botocore still retries).

Run: make bench-faults   (or .venv/bin/python -m benchmarks.store_hang_benchmark [--clients N])
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from benchmarks import results
from benchmarks.results import Figure
from benchmarks.stack import MEETING_ID, WAITRESS_THREADS, Stack, local_stack, post, unique_email
from registrations.meeting import load_meeting
from registrations.registration.personal_link import PersonalLinks
from registrations.repository import boto_config, store_call_bound, total_attempts

# What the people on the personal page type during the stall; the answer must show it again.
TYPED_REMARK = "Ik kom iets later, tijdens de storing ingevuld."
NOT_STORED = "Uw wijzigingen konden nu niet worden opgeslagen"


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


def change(connection: http.client.HTTPConnection, path: str) -> tuple[int, float, bool]:
    """One change on the personal page as its form sends it: status, seconds, and whether what was typed is back."""
    body = urllib.parse.urlencode(
        {
            "given_name": "Jan",
            "family_name": "Jansen",
            "organisation": "dcmr",
            "role": "algemeen-bestuur",
            "on_behalf_of": "",
            "remark": TYPED_REMARK,
        }
    )
    start = time.perf_counter()
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"},
        )
        response = connection.getresponse()
        page = response.read().decode("utf-8", "replace")
        status = response.status
    except (OSError, http.client.HTTPException):
        connection.close()
        status, page = 0, ""
    kept = NOT_STORED in page and TYPED_REMARK in page
    return status, time.perf_counter() - start, kept


def personal_paths(stack: Stack, count: int) -> list[str]:
    """Registers `count` people and makes their personal links (as the confirmation would carry them)."""
    connection = stack.connection()
    emails = [unique_email("page") for _ in range(count)]
    for email in emails:
        post(connection, email)
    connection.close()
    links = PersonalLinks(stack.config["TOKEN_SECRET"], load_meeting())
    table = stack.table()
    items = [table.get_item(Key={"event": MEETING_ID, "email": email}, ConsistentRead=True)["Item"] for email in emails]
    return ["/api/mijn-aanmelding/" + links.token_for(str(i["registration_id"]), int(i["link_version"])) for i in items]


def personal_page(stack: Stack, people: int) -> tuple[list[tuple[int, float, bool]], list[tuple[int, float]]]:
    """dynalite paused while `people` change their registration and as many others register (the baseline)."""
    assert stack.dynalite.process is not None
    paths = personal_paths(stack, people)
    pages = [stack.connection() for _ in range(people)]
    posts = [stack.connection() for _ in range(people)]
    for connection, path in zip(pages, paths, strict=True):  # warm, as in paused()
        connection.request("GET", path)
        connection.getresponse().read()
    for connection in posts:
        post(connection, unique_email("warm"))
    changes: list[tuple[int, float, bool]] = []
    registrations: list[tuple[int, float]] = []
    lock = threading.Lock()

    def person(n: int) -> None:
        answer = change(pages[n], paths[n])
        with lock:
            changes.append(answer)

    def registrant(n: int) -> None:
        answer = post(posts[n], unique_email("hang"))
        with lock:
            registrations.append(answer)

    os.kill(stack.dynalite.process.pid, signal.SIGSTOP)
    try:
        threads = [threading.Thread(target=person, args=(n,)) for n in range(people)]
        threads += [threading.Thread(target=registrant, args=(n,)) for n in range(people)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        os.kill(stack.dynalite.process.pid, signal.SIGCONT)
    for connection in pages + posts:
        connection.close()
    return changes, registrations


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
    # Half of waitress's threads change on the personal page, the other half register (the baseline).
    parser.add_argument("--people", type=int, default=WAITRESS_THREADS // 2)
    args = parser.parse_args(argv)
    bound = store_call_bound()
    with tempfile.TemporaryDirectory(prefix="bench-hang-") as folder, local_stack(Path(folder)) as stack:
        hang = paused(stack, args.clients)
        changes, baseline = personal_page(stack, args.people)
        down = killed(stack, 5)
    hang_s = [seconds for _, seconds in hang]
    down_s = [seconds for _, seconds in down]
    change_s = [seconds for _, seconds, _ in changes]
    baseline_s = [seconds for _, seconds in baseline]
    statuses = sorted({status for status, _ in hang + down + baseline} | {status for status, _, _ in changes})
    kept = sum(1 for _, _, typed in changes if typed)
    ok = statuses == [503] and max(hang_s + change_s) <= bound and kept == len(changes)
    setting = (
        f"connect {boto_config().connect_timeout} s, read {boto_config().read_timeout} s, "
        f"{total_attempts()} attempts (standard mode)"
    )
    print(f"configured: {setting}; bound {bound:.1f} s per store call")
    print(
        f"paused: {args.clients} posts answered {statuses} after median {statistics.median(hang_s):.2f} s, "
        f"max {max(hang_s):.2f} s"
    )
    print(
        f"personal page: {len(changes)} changes answered after median {statistics.median(change_s):.2f} s, "
        f"max {max(change_s):.2f} s ({statistics.median(change_s) / statistics.median(baseline_s):.2f}x the "
        f"{len(baseline)} registrations of the same stall, median {statistics.median(baseline_s):.2f} s); "
        f"{kept} of {len(changes)} kept what was typed"
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
                "bound from boto_config()",
            ),
            Figure(
                "dynalite paused (SIGSTOP): post to 503, max",
                max(hang_s),
                "s",
                bound,
                "bound from boto_config()",
                note=f"{args.clients} concurrent posts",
            ),
            Figure(
                "dynalite paused: a change on the personal page to its answer, median",
                statistics.median(change_s),
                "s",
                statistics.median(baseline_s),
                "a registration post in the same stall (one store call)",
                note=f"{kept} of {len(changes)} answers kept what was typed",
            ),
            Figure(
                "dynalite paused: a change on the personal page to its answer, max",
                max(change_s),
                "s",
                bound,
                "bound from boto_config()",
                note=f"{len(changes)} concurrent changes beside {len(baseline)} registration posts",
            ),
            Figure(
                "dynalite killed: post to 503, median",
                statistics.median(down_s),
                "s",
                bound,
                "bound from boto_config()",
            ),
        ],
        notes=[
            f"boto_config(): {setting}. The bound is attempts × (connect + read timeout) plus the longest backoff "
            "before each retry (botocore's standard mode: at most 2^(n-1) s before the n-th).",
            "Before this setting (connect 2 s, read 3 s, max_attempts 3, which is 4 attempts) a hang took 13.6 s.",
            "Before the personal page's fix (a failed change read the store again to show the form) a change in a "
            "stall waited out two store calls and lost what was typed.",
            "OK: every post and change answered 503 within the bound, and every change kept what was typed."
            if ok
            else f"FAILED: answers {statuses}, a request took longer than the bound, or a change lost what was typed.",
        ],
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
