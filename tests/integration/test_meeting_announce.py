"""Announcing a change of the meeting: only after the person deploying confirms it (deploy/announce.py), never
on the first deploy of this code, never for a rollback before the confirmation; `make run` announces at its start.
The moved date moves every item's TTL (dynalite)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from deploy.announce import run
from registrations.delivery.meeting_changes import ANNOUNCEMENTS_PARTITION, announcements, plan
from registrations.dev.run import announce_meeting_changes
from registrations.meeting import load_meeting
from registrations.registration.calendar_facts import SENT_BEFORE, facts_of
from registrations.repository import RegistrationRepository

AMS = ZoneInfo("Europe/Amsterdam")
NOW = dt.datetime(2023, 5, 30, 9, 0, tzinfo=AMS)
EVENT = load_meeting()
MOVED = dataclasses.replace(
    EVENT,
    starts_at=dt.datetime(2023, 6, 14, 13, 30, tzinfo=AMS),
    ends_at=dt.datetime(2023, 6, 14, 15, 0, tzinfo=AMS),
)


def registration(email: str, **extra) -> dict:
    # As stored before this code: no meeting_facts, the TTL of the original date.
    return {
        "event": EVENT.id,
        "email": email,
        "status": "registered",
        "registration_id": email,
        "link_version": 1,
        "expires_at": int(EVENT.expires_at.timestamp()),
        **extra,
    }


@pytest.fixture
def repository(table):
    for item in (
        registration("a@x.example"),
        registration("b@x.example"),
        registration("c@x.example", status="cancelled"),
        registration("d@x.example", email_status="bounced"),
    ):
        table.put_item(Item=item)
    return RegistrationRepository(table)


class Terminal:
    def __init__(self, answer: str = "n"):
        self.answer = answer
        self.lines: list[str] = []
        self.asked = 0

    def ask(self, question: str) -> str:
        self.asked += 1
        self.lines.append(question)
        return self.answer

    def say(self, line: str) -> None:
        self.lines.append(line)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def stored_announcements(table) -> list[dict]:
    return [item for item in table.scan()["Items"] if item["event"] == ANNOUNCEMENTS_PARTITION]


def test_the_first_deploy_of_this_change_asks_nothing_and_writes_nothing(repository, table):
    # Items from before this code were sent the letter's facts, which are today's.
    assert facts_of(EVENT) == SENT_BEFORE
    terminal = Terminal("j")
    assert run(repository, EVENT, NOW, terminal.ask, terminal.say) is None
    assert terminal.asked == 0 and "nothing to announce" in terminal.text
    assert plan(repository, EVENT).reach == 0
    assert stored_announcements(table) == []


def test_a_moved_meeting_is_shown_old_to_new_with_its_reach_and_announced_only_on_yes(repository, table):
    refused = Terminal("n")
    assert run(repository, MOVED, NOW, refused.ask, refused.say) is None
    assert refused.asked == 1
    assert "Datum: woensdag 7 juni 2023 -> woensdag 14 juni 2023" in refused.text
    # Two active registrants: not the cancelled one, not the bounced address.
    assert "to 2 active registrants" in refused.text
    assert "nobody is mailed" in refused.text
    assert stored_announcements(table) == []
    assert {int(i["expires_at"]) for i in table.scan()["Items"]} == {int(EVENT.expires_at.timestamp())}

    confirmed = Terminal("j")
    done = run(repository, MOVED, NOW, confirmed.ask, confirmed.say)
    assert done is not None and done.version == 1 and done.reach == 2
    [stored] = stored_announcements(table)
    assert stored["email"] == f"{EVENT.id}#meeting#000001"
    # What hangs on the date moved with it: every item's TTL (cancelled ones too).
    assert {int(i["expires_at"]) for i in table.scan()["Items"] if i["event"] == EVENT.id} == {
        int(MOVED.expires_at.timestamp())
    }
    # A second deploy with the same facts: nothing to ask.
    again = Terminal("j")
    assert run(repository, MOVED, NOW, again.ask, again.say) is None and again.asked == 0


def test_a_rollback_before_the_confirmation_asks_nothing(repository, table):
    refused = Terminal("n")
    run(repository, MOVED, NOW, refused.ask, refused.say)
    rolled_back = Terminal("j")
    assert run(repository, EVENT, NOW, rolled_back.ask, rolled_back.say) is None
    assert rolled_back.asked == 0
    assert stored_announcements(table) == []


def test_going_back_after_the_confirmation_is_a_new_change_announced_the_same_way(repository, table):
    run(repository, MOVED, NOW, Terminal().ask, Terminal().say, assume_yes=True)
    back = Terminal("j")
    done = run(repository, EVENT, NOW, back.ask, back.say)
    assert back.asked == 1 and "woensdag 14 juni 2023 -> woensdag 7 juni 2023" in back.text
    assert done is not None and done.version == 2
    assert [a.facts for a in announcements(repository, EVENT.id)] == [facts_of(MOVED), facts_of(EVENT)]


def test_make_run_announces_a_change_at_its_start_and_says_so(repository, app_config, table):
    assert announce_meeting_changes(app_config) == ""
    line = announce_meeting_changes(app_config, MOVED)
    assert "2023-06-07 13:30-15:00 -> 2023-06-14 13:30-15:00" in line
    assert "announced as version 1" in line and "2 registrant(s)" in line
    assert len(stored_announcements(table)) == 1
    assert announce_meeting_changes(app_config, MOVED) == ""
