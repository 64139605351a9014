"""Helpers for the staff command tests: registrations made by the real rules, written fast, and the CLI run in-process."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import io
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from registrations.meeting import load_meeting
from registrations.registration.item import NewIds, new_item
from registrations.registration.validation import ADDRESS_SPECIALS, NAME_FIELDS, validate
from registrations.staff import cli

EVENT = load_meeting()
MOMENT = dt.datetime(2023, 5, 10, 10, 0, tzinfo=EVENT.timezone)


def registration(i: int, **form: Any) -> dict:
    """The item the API would store for registrant number i (through the real validation and item layout).

    Names with any of < > " , ; @ were allowed until the mail-safety fix and may still be stored: those are put on
    the item as the earlier rules stored them, so the export is still tested with them."""
    earlier = {f: form.pop(f) for f in NAME_FIELDS if ADDRESS_SPECIALS.intersection(str(form.get(f, "")))}
    organisation = EVENT.organisations[i % len(EVENT.organisations)]
    role = EVENT.roles[i % len(EVENT.roles)]
    values = {
        "given_name": f"Voornaam{i}",
        "family_name": f"Achternaam{i:05d}",
        "email": f"persoon{i:05d}@gemeente.example",
        "organisation": organisation.value,
        "organisation_other": "",
        "role": role.value,
        "on_behalf_of": "",
        "remark": "",
        "consent": "ja",
        **form,
    }
    item = new_item(validate(values, EVENT), EVENT, MOMENT + dt.timedelta(seconds=i), NewIds(f"s{i}", f"r{i}", f"o{i}"))
    return {**item, **earlier}


def put_items(table, items: Iterable[dict]) -> None:
    """Write many items quickly (25 per request), as a test set-up only; the application never does this."""
    with table.batch_writer() as batch:
        for item in items:
            batch.put_item(Item=item)


class Terminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class BinaryOut(io.TextIOWrapper):
    """Like sys.stdout: text with a .buffer underneath, optionally a terminal."""

    def __init__(self, tty: bool = False):
        super().__init__(io.BytesIO(), encoding="utf-8", newline="")
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty

    def data(self) -> bytes:
        self.flush()
        return self.buffer.getvalue()


def run_cli(
    args: list[str],
    env: dict,
    *,
    tty: bool = False,
    clock=None,
    data_dir: Path | None = None,
    answer: str | None = None,
):
    """Run `registrations ...` in-process; returns (exit code, stdout bytes, stderr text).

    stdin is a terminal only when `answer` is given: it is what the staff member types there."""
    stdout = BinaryOut(tty=tty)
    stderr = Terminal() if tty else io.StringIO()
    stdin = Terminal(answer) if answer is not None else io.StringIO()
    code = cli.main(args, env=env, stdout=stdout, stderr=stderr, clock=clock, data_dir=data_dir, stdin=stdin)
    return code, stdout.data(), stderr.getvalue()


def outbox_recipients(folder: Path) -> Counter:
    """How many messages each address received in the outbox folder."""
    counts: Counter = Counter()
    for path in Path(folder).glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for address in message["To"].addresses:
            counts[address.addr_spec] += 1
    return counts
