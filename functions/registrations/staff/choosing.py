"""Which meeting a staff command works on: `--bijeenkomst ID`; without it the only meeting that is open for
registration or still to come (or the only meeting there is); otherwise the command asks, listing them, and without
a terminal to ask in it stops with a usage error that lists them. Every command then works on that meeting only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import IO

from ..meeting import Meeting, Meetings
from . import UsageError, output

OPTION = "--bijeenkomst"
OPTION_HELP = (
    "de code van de bijeenkomst, zoals ibp-vth-2023-06-07 (zonder deze optie: de bijeenkomst waarvoor de aanmelding "
    "open is of die nog komt; zijn dat er meer, dan vraagt het commando welke)"
)


def state(meeting: Meeting, now: dt.datetime) -> str:
    if meeting.is_registration_open(now):
        return "aanmelden kan nu"
    return "komt nog" if not meeting.has_started(now) else "geweest"


def listing(meetings: Sequence[Meeting], now: dt.datetime, numbered: bool = False) -> list[str]:
    """One line per meeting: (its number,) its code, its date and whether it is still to come."""
    width = max(len(m.id) for m in meetings)
    return [
        f"  {f'{number}  ' if numbered else ''}{m.id:<{width}}  {m.date_text} ({state(m, now)})"
        for number, m in enumerate(meetings, start=1)
    ]


def coming(meetings: Meetings, now: dt.datetime) -> list[Meeting]:
    return [m for m in meetings if m.is_registration_open(now) or not m.has_started(now)]


def choose_meeting(
    meetings: Meetings, wanted: str | None, now: dt.datetime, stdin: IO[str], stderr: IO[str]
) -> Meeting:
    """The meeting of `--bijeenkomst` (`wanted`), or the one the staff member means (see the module)."""
    everything = list(meetings)
    if wanted:
        found = meetings.get(wanted.strip())
        if found is None:
            raise UsageError(
                "\n".join(
                    [f"{OPTION} {wanted}: die bijeenkomst bestaat niet. Deze zijn er:", *listing(everything, now)]
                )
            )
        return found
    if len(everything) == 1:
        return everything[0]
    candidates = coming(meetings, now)
    if len(candidates) == 1:
        # Said, since another meeting could have been meant: the line goes to stderr, not into an export.
        stderr.write(
            f"Bijeenkomst {candidates[0].id} ({candidates[0].date_text}). Een andere? Gebruik {OPTION} CODE.\n"
        )
        return candidates[0]
    why = (
        f"Er zijn {len(candidates)} bijeenkomsten waarvoor de aanmelding open is of die nog komen."
        if candidates
        else "Er is geen bijeenkomst waarvoor de aanmelding open is of die nog komt."
    )
    if not output.is_terminal(stdin):
        raise UsageError(
            "\n".join([f"Voor welke bijeenkomst? {why} Kies er een met {OPTION} CODE:", *listing(everything, now)])
        )
    return _asked(everything, why, now, stdin, stderr)


def _asked(everything: list[Meeting], why: str, now: dt.datetime, stdin: IO[str], stderr: IO[str]) -> Meeting:
    stderr.write("\n".join([f"Voor welke bijeenkomst? {why}", *listing(everything, now, numbered=True)]) + "\n")
    stderr.write("Typ het nummer of de code en druk op Enter: ")
    stderr.flush()
    answer = stdin.readline().strip()
    chosen = next(
        (m for number, m in enumerate(everything, start=1) if answer in (str(number), m.id)),
        None,
    )
    if chosen is None:
        said = f"‘{answer}’ is geen van deze bijeenkomsten." if answer else "Er is geen bijeenkomst gekozen."
        raise UsageError(
            "\n".join(
                [
                    f"{said} Kies er een met {OPTION} CODE:",
                    *listing(everything, now),
                ]
            )
        )
    return chosen
