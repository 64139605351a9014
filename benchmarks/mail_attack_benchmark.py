"""The mail attacks of the attack on the local stack, measured again (not a test). dynalite on loopback, the app and
the deliverer in-process with a clock this script moves (as the tests do), an in-memory sender.

1. Posts during three 3-second stalls of dynalite (SIGSTOP), with the deliverer sweeping all along: once the stalls
   are over and the stale-claim time has passed, one more sweep; then: acknowledged registrations (201) without an
   email. Goal 0.
2. 280 dot variants of one ten-letter Gmail address posted, the deliverer keeping up: emails into that inbox in the
   hour. Goal at most 5.
3. Five `victim+aN@` posts, then the victim's own: minutes until an email about the victim's registration reaches
   the inbox. Goal about an hour at most (never, on the code before).

It runs on the code of the checkout it is started in (with benchmarks/stack.py beside it), so the same script
measured before and after.
Run: make bench-faults (after the stall benchmark)   (or .venv/bin/python -m benchmarks.mail_attack_benchmark)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.stack import MovableClock, form
from registrations import create_app, create_deliverer
from registrations.local.dynalite import Dynalite, local_config, prepare_table, use_local_credentials

AMSTERDAM = dt.timezone(dt.timedelta(hours=2))
OPEN = dt.datetime(2023, 5, 10, 10, 0, tzinfo=AMSTERDAM)


class Inbox:
    """An in-memory sender: every message, by recipient."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dt.datetime]] = []
        self._lock = threading.Lock()
        self.clock: MovableClock | None = None

    def send(self, message: Any, recipient: str, tags: Any = None) -> str:
        with self._lock:
            self.sent.append((recipient, str(message["Subject"]), self.clock() if self.clock else OPEN))
            return f"m{len(self.sent)}"


def gmail_inbox(address: str) -> str:
    """Where Gmail delivers an address, written out here, independently of the code under test."""
    local, _, domain = address.lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):
        return local.replace(".", "") + "@gmail.com"
    return f"{local}@{domain}"


def sweep_quietly(deliverer: Any) -> None:
    try:
        deliverer.sweep()
    except Exception:  # noqa: BLE001 - a sweep during a stall fails; the next one goes on
        pass


def stalls(config: dict[str, Any], dynalite: Dynalite, posts: int, clients: int) -> dict[str, int]:
    clock, inbox = MovableClock(OPEN), Inbox()
    inbox.clock = clock
    app = create_app(config, clock=clock)
    deliverer = create_deliverer(config, clock=clock, transport=inbox)
    acknowledged: list[str] = []
    answers: Counter[int] = Counter()
    lock = threading.Lock()
    done = threading.Event()

    def deliver_all_along() -> None:
        while not done.is_set():
            sweep_quietly(deliverer)

    def client(c: int) -> None:
        http = app.test_client()
        for i in range(c, posts, clients):
            email = f"stall{i}@gemeente.example"
            status = http.post("/api/registrations", json=form(email), headers={"Sec-Fetch-Site": "same-origin"})
            with lock:
                answers[status.status_code] += 1
                if status.status_code == 201:
                    acknowledged.append(email)

    def staller() -> None:
        assert dynalite.process is not None
        for _ in range(3):
            time.sleep(1.5)
            os.kill(dynalite.process.pid, signal.SIGSTOP)
            time.sleep(3)
            os.kill(dynalite.process.pid, signal.SIGCONT)

    sweeper = threading.Thread(target=deliver_all_along, daemon=True)
    sweeper.start()
    stall = threading.Thread(target=staller, daemon=True)
    stall.start()
    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stall.join()
    done.set()
    sweeper.join(timeout=60)
    sweep_quietly(deliverer)
    # The stalls are over: let the stale-claim time pass, then one more sweep
    clock.advance(minutes=11)
    sweep_quietly(deliverer)
    mailed = {recipient for recipient, _, _ in inbox.sent}
    return {
        "posts": posts,
        "acknowledged": len(acknowledged),
        "without_email": len(set(acknowledged) - mailed),
        "answers_503": answers[503],
    }


def gmail_variants(config: dict[str, Any], count: int) -> int:
    clock, inbox = MovableClock(OPEN), Inbox()
    app = create_app(config, clock=clock).test_client()
    deliverer = create_deliverer(config, clock=clock, transport=inbox)
    local = "abcdefghij"
    start = time.monotonic()
    for mask in range(count):
        name = "".join(ch + ("." if mask >> i & 1 and i < 9 else "") for i, ch in enumerate(local))
        domain = "googlemail.com" if mask % 2 else "gmail.com"
        app.post("/api/registrations", json=form(f"{name}@{domain}"), headers={"Sec-Fetch-Site": "same-origin"})
        if mask % 10 == 0:
            deliverer.sweep()
    deliverer.sweep()
    print(f"  ({count} posts in {time.monotonic() - start:.1f} s)")
    return sum(1 for recipient, _, _ in inbox.sent if gmail_inbox(recipient) == "abcdefghij@gmail.com")


def victim(config: dict[str, Any]) -> float | None:
    clock, inbox = MovableClock(OPEN), Inbox()
    inbox.clock = clock
    app = create_app(config, clock=clock).test_client()
    deliverer = create_deliverer(config, clock=clock, transport=inbox)
    for n in range(5):
        app.post("/api/registrations", json=form(f"victim+a{n}@vng.example"), headers={"Sec-Fetch-Site": "same-origin"})
        deliverer.sweep()
    before = len(inbox.sent)
    posted = clock()
    app.post("/api/registrations", json=form("victim@vng.example"), headers={"Sec-Fetch-Site": "same-origin"})
    for _ in range(4 * 24 * 3):  # three days of sweeps, every 5 minutes
        deliverer.sweep()
        if len(inbox.sent) > before:
            return (inbox.sent[before][2] - posted).total_seconds() / 60
        clock.advance(minutes=5)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--only", choices=("stalls", "gmail", "victim"), help="one of the three measurements")
    args = parser.parse_args(argv)
    use_local_credentials()
    os.environ["MAIL_RATE"] = "1000"  # the rate is not what is measured here
    with tempfile.TemporaryDirectory(prefix="bench-attack-") as folder, Dynalite(data_dir=Path(folder) / "db") as db:
        figures = {}
        for name in [args.only] if args.only else ["stalls", "gmail", "victim"]:
            config = local_config(db, table=f"attack-{name}", data_dir=Path(folder) / name)
            prepare_table(config)
            if name == "stalls":
                figures[name] = stalls(config, db, args.posts, args.clients)
            elif name == "gmail":
                figures[name] = gmail_variants(config, 280)
            else:
                figures[name] = victim(config)
    if args.only:
        print(f"{args.only}: {figures[args.only]}")
        return 0
    s = figures["stalls"]
    print(
        f"{s['posts']} posts during three 3-second stalls: {s['acknowledged']} acknowledged (201), "
        f"{s['answers_503']} answered 503; acknowledged without an email after the stale-claim time and one sweep: "
        f"{s['without_email']}"
    )
    print(f"280 dot-variant posts of one Gmail inbox: {figures['gmail']} emails into that inbox in the hour")
    delay = figures["victim"]
    print(
        "five-variant attack: the victim's inbox heard about the victim's own registration after "
        + (f"{delay:.0f} minutes" if delay is not None else "never (three days of sweeps)")
    )
    try:
        from benchmarks import results
        from benchmarks.results import Figure

        results.write(
            "mail-attacks",
            title="The mail attacks again: stalls, Gmail variants, the five-variant victim",
            command=".venv/bin/python -m benchmarks.mail_attack_benchmark (make bench-faults)",
            figures=[
                Figure(
                    "Acknowledged without an email after three stalls",
                    s["without_email"],
                    "registrations",
                    note=f"of {s['acknowledged']} acknowledged, {s['posts']} posted",
                ),
                Figure("Emails to one Gmail inbox from 280 dot variants, in the hour", figures["gmail"], "emails"),
                Figure(
                    "The victim's delay under the five-variant attack",
                    round(delay, 1) if delay else -1,
                    "minutes",
                    note="-1: never",
                ),
            ],
        )
    except ImportError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
