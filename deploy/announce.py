"""After a deploy: announce a change of the meeting (date, time, place, called off), only when the person
deploying confirms it.

    python -m deploy.announce --stage production          # after zappa update and deploy.stage configure

It compares the facts of the deployed bijeenkomst.toml with the last announced ones (registrations/delivery/meeting_changes.py),
shows old -> new and how many active registrants will get an email, and asks. Only on "j" is a confirmed
announcement written into the table; from then on the deliverer sends each active registrant one email (a
change with an updated calendar entry, or a cancellation with METHOD:CANCEL) and moves the items' TTL.

- Nothing changed (the first deploy of this code included): it says so and writes nothing.
- A rollback before the confirmation: the facts are the announced ones again, nothing is asked or sent.
- Going back after a confirmation is a new change, announced the same way.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from typing import Any

from registrations.delivery.meeting_changes import Announcement, Plan, announce, plan
from registrations.meeting import Meeting, load_meeting
from registrations.registration.calendar_facts import CalendarFacts, changes
from registrations.repository import RegistrationRepository, dynamodb_resource

from .settings import stage_settings


def describe(facts: CalendarFacts) -> str:
    if facts.cancelled:
        return f"{facts.date_text}, gaat niet door"
    return f"{facts.date_text}, {facts.time_text}, {facts.place}"


def plan_text(found: Plan) -> str:
    lines = [f"Announced so far: {describe(found.old)}", f"Deployed now:     {describe(found.new)}"]
    lines += [f"  {change.what}: {change.old} -> {change.new}" for change in changes(found.old, found.new)]
    kind = "a cancellation (METHOD:CANCEL)" if found.new.cancelled else "a change notice with the updated entry"
    lines.append(f"This sends {kind} to {found.reach} active registrant{'s' if found.reach != 1 else ''}.")
    return "\n".join(lines)


def run(
    repository: RegistrationRepository,
    meeting: Meeting,
    now: dt.datetime,
    ask: Callable[[str], str],
    say: Callable[[str], None],
    assume_yes: bool = False,
) -> Announcement | None:
    """The step itself; the repository, the clock and the terminal come in as arguments (tests)."""
    found = plan(repository, meeting)
    if not found.needed:
        say(f"The meeting's facts are the announced ones ({describe(found.new)}): nothing to announce.")
        return None
    say(plan_text(found))
    if not assume_yes and ask("Announce this change and mail them? Doorgaan? (j/n) ").strip().lower() not in (
        "j",
        "ja",
    ):
        say("Not announced: nobody is mailed. Run this step again to announce it, or deploy the old facts back.")
        return None
    done = announce(repository, meeting, found, now)
    say(f"Announced as version {done.version}: the deliverer sends it within one sweep (5 minutes).")
    return done


def repository_for(stage: str, session: Any = None) -> RegistrationRepository:
    settings = stage_settings(stage)
    table = settings["aws_environment_variables"]["REGISTRATIONS_TABLE"]
    return RegistrationRepository(dynamodb_resource(settings["aws_region"], session=session).Table(table))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", default="production")
    parser.add_argument("--ja", action="store_true", help="confirm without asking (scripts)")
    args = parser.parse_args(argv)
    run(
        repository_for(args.stage),
        load_meeting(),
        dt.datetime.now(dt.UTC),
        input,
        print,
        assume_yes=args.ja,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
