"""Follow-up benchmark (not a test): 1,000 registrants on the local stack, then the follow-up published once.

It measures, in the same run on the same stack (waitress, the local deliverer, dynalite on disk):
1. the baseline: the time from the first of 1,000 registrations to the last confirmation in the outbox;
2. the time from publishing the follow-up to the last follow-up in the outbox.
Both are paced by MAIL_RATE (SES's maximum send rate, 14 a second by default), so the ratio shows what publishing
costs beyond the rate itself. It exits 1 when anyone got the follow-up twice or not at all. Loopback only.

Run: make bench-followup   (or .venv/bin/python -m benchmarks.followup_benchmark [--registrants N] [--rate R])
"""

from __future__ import annotations

import argparse
import email
import email.policy
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from benchmarks import results
from benchmarks.load_benchmark import in_parallel
from benchmarks.results import Figure
from benchmarks.stack import MEETING_ID, local_stack, post, unique_email, wait_for_outbox
from registrations.delivery import publication
from registrations.delivery.publication import PublishedPaper
from registrations.repository import RegistrationRepository

TEAMS = "https://teams.microsoft.com/l/meetup-join/benchmark"


def followups_per_recipient(outbox: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for path in outbox.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if str(message["Subject"]).startswith("Vergaderlink"):
            counts[message["To"].addresses[0].addr_spec] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrants", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rate", type=float, default=14.0, help="MAIL_RATE: emails per second (SES's default)")
    args = parser.parse_args(argv)
    os.environ["MAIL_RATE"] = f"{args.rate:g}"
    n = args.registrants
    ceiling = 3 * n / args.rate + 120
    with tempfile.TemporaryDirectory(prefix="bench-followup-") as folder, local_stack(Path(folder)) as stack:
        outbox = Path(stack.config["MAIL_OUTBOX"])
        emails = [unique_email(f"p{i}") for i in range(n)]

        def client(c: int) -> None:
            connection = stack.connection()
            for i in range(c, n, args.clients):
                post(connection, emails[i])
            connection.close()

        start = time.perf_counter()
        in_parallel(args.clients, client)
        confirmed = wait_for_outbox(outbox, n, ceiling)
        confirmations = time.perf_counter() - start

        repository = RegistrationRepository(stack.table())
        start = time.perf_counter()
        publication.publish(
            repository,
            MEETING_ID,
            TEAMS,
            [PublishedPaper("Agenda", url="https://vng.example/agenda.pdf")],
            "",
            "2023-05-10T10:00:00+02:00",
            2_000_000_000,
        )
        stack.worker.wake()  # on AWS the publication's stream record does this
        delivered = wait_for_outbox(outbox, confirmed + n, ceiling)
        followup = time.perf_counter() - start
        per_recipient = followups_per_recipient(outbox)

    twice = sum(1 for count in per_recipient.values() if count > 1)
    missing = len(set(emails) - set(per_recipient))
    print(f"{n} confirmations: last one {confirmations:.1f} s after the first registration ({n / confirmations:.1f}/s)")
    print(
        f"follow-up to {n}: last one {followup:.1f} s after publishing ({n / followup:.1f}/s), MAIL_RATE {args.rate:g}"
    )
    print(f"ratio follow-up / confirmations: {followup / confirmations:.2f}; twice: {twice}, missing: {missing}")
    print(f"emails in the outbox: {delivered}")
    results.write(
        "followup",
        title="The follow-up to everyone at once (local stack, paced at MAIL_RATE)",
        command="make bench-followup",
        figures=[
            Figure(
                f"{n:,} registrants: publishing to the last follow-up",
                round(followup, 1),
                "s",
                round(confirmations, 1),
                f"{n:,} registrations to the last confirmation, same run",
                note=f"MAIL_RATE {args.rate:g}/s",
            ),
            Figure("Follow-ups sent twice", twice, "registrants"),
            Figure("Registrants without the follow-up", missing, "registrants"),
        ],
    )
    return 0 if twice == 0 and missing == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
