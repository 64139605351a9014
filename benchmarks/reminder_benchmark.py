"""1,000 registrants and one reminder coming due on the local stack: the time from the reminder's moment to the last
email, and messages per second, next to writing the same number of ready messages straight to an outbox.

    make bench-reminders                          # python -m benchmarks.reminder_benchmark [--registrants N]

The stack is make run's: dynalite with its data on disk and the local deliverer (app_with_worker), with its
10-second sweep and SES's default rate (MAIL_RATE, 14 a second). The registrations are stored as registering
stores them (item.new_item, confirmation settled), so only the reminder is measured. The clock is a test double
moved past the day-before reminder's moment without waking the worker, as when a moment passes while nothing
happens: the worker's next sweep notices it. Bounded: the run stops waiting after a ceiling.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import results
from benchmarks.results import Figure
from benchmarks.stack import MovableClock
from registrations.dev.local import app_with_worker
from registrations.local.dynalite import Dynalite, local_config, prepare_table, use_local_credentials
from registrations.mail.meeting_mail import MeetingMailer
from registrations.mail.senders import OutboxSender
from registrations.meeting import load_meeting
from registrations.registration.item import NewIds, new_item
from registrations.registration.validation import validate
from registrations.repository import dynamodb_resource

MEETING = load_meeting()
REGISTERED_AT = dt.datetime(2023, 5, 20, 9, 0, tzinfo=MEETING.timezone)
CEILING_SECONDS = 900.0


def registrant(n: int) -> dict[str, object]:
    data = validate(
        {
            "given_name": "Jan",
            "family_name": f"Jansen {n}",
            "email": f"deelnemer{n:04d}@gemeente{n % 50}.example",
            "organisation": "dcmr",
            "organisation_other": "",
            "role": "algemeen-bestuur",
            "on_behalf_of": "",
            "remark": "",
            "consent": "ja",
        },
        MEETING,
    )
    item = dict(new_item(data, MEETING, REGISTERED_AT, NewIds.make()))
    # The confirmation went out long ago.
    for name in ("mail_owed", "mail_owed_id", "mail_owed_at"):
        item.pop(name)
    item.update(mail_status="sent", mail_kind="confirmation", mail_sent_at="2023-05-20T09:00:05+02:00")
    return item


def reminders_in(outbox: Path) -> int:
    return len(list(outbox.glob("*herinnering*.eml")))


def baseline(items: list[dict[str, object]], folder: Path, config: dict[str, str]) -> float:
    """The same reminders built and written to an outbox one after another: no store, no claims, no pace."""
    from registrations.registration.personal_link import PersonalLinks

    mailer = MeetingMailer(MEETING, PersonalLinks(config["TOKEN_SECRET"], MEETING), config["MAIL_SENDER"], "http://x")
    sender = OutboxSender(folder / "baseline-outbox")
    reminder = MEETING.reminders[0]
    start = time.perf_counter()
    for sequence, item in enumerate(items, start=1):
        sender.send(mailer.reminder(item, reminder.moment, reminder, None, sequence), str(item["email"]))
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrants", type=int, default=1000)
    args = parser.parse_args(argv)
    reminder = MEETING.reminders[0]
    items = [registrant(n) for n in range(args.registrants)]
    use_local_credentials()
    with tempfile.TemporaryDirectory(prefix="bench-reminders-") as tmp, Dynalite(data_dir=Path(tmp) / "db") as db:
        folder = Path(tmp)
        config = local_config(db, table="bench-reminders", data_dir=folder / "data", port=8000)
        prepare_table(config)
        table = dynamodb_resource(config["AWS_REGION"], config["DYNAMODB_ENDPOINT"]).Table(
            config["REGISTRATIONS_TABLE"]
        )
        with table.batch_writer() as batch:
            for item in items:
                batch.put_item(Item=item)
        clock = MovableClock(reminder.moment - dt.timedelta(minutes=5))
        outbox = Path(config["MAIL_OUTBOX"])
        _, worker = app_with_worker(config, clock=clock)
        try:
            worker.wait_for_sweep(worker.sweeps, timeout=60)  # a quiet sweep first: nothing is due yet
            quiet = reminders_in(outbox)
            # The moment passes; nothing wakes the worker: its next sweep (at most 10 s on) notices.
            clock.set(reminder.moment + dt.timedelta(seconds=1))
            start = time.perf_counter()
            deadline = time.monotonic() + CEILING_SECONDS
            while reminders_in(outbox) < args.registrants and time.monotonic() < deadline:
                time.sleep(0.2)
            elapsed = time.perf_counter() - start
            sent = reminders_in(outbox)
        finally:
            worker.stop()
        raw = baseline(items, folder, config)

    rate, raw_rate = sent / elapsed, args.registrants / raw
    ok = quiet == 0 and sent == args.registrants
    print(f"reminder due for {args.registrants} registrants: {sent} sent before it was due: {quiet}")
    print(f"time from the reminder's moment to the last email: {elapsed:.1f} s ({rate:.1f} messages/s)")
    print(f"baseline, the same messages built and written straight to an outbox: {raw:.1f} s ({raw_rate:.1f}/s)")
    print(f"ratio: {elapsed / raw:.1f}x the baseline; SES's rate (MAIL_RATE 14/s) allows {args.registrants / 14:.0f} s")
    print("OK" if ok else "NOT OK: not every registrant got the reminder once")
    results.write(
        "reminders",
        title="A reminder coming due for 1,000 registrants on the local stack",
        command="make bench-reminders",
        figures=[
            Figure("reminders sent", sent, "emails", note=f"of {args.registrants} registrants"),
            Figure(
                "time from the reminder's moment to the last email",
                elapsed,
                "s",
                raw,
                "building and writing the same messages straight to an outbox",
            ),
            Figure("throughput", rate, "messages/s", raw_rate, "straight to an outbox"),
        ],
        notes=[
            "app_with_worker (10 s sweep) and dynalite with its data on disk, as `make run`; MAIL_RATE 14/s "
            "(SES's default maximum send rate), so the floor is registrants / 14 seconds. The clock passes the "
            "reminder's moment without waking the worker.",
            "OK: every registrant got the reminder once, none before its moment." if ok else "NOT OK.",
        ],
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
