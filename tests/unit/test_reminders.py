"""Which reminder a registration owes at a moment: both defaults, none to cancelled, bounced, complained, rejected or
very recent registrants, none after the start, the catch-up rule, once each, and the next one's reach."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from registrations.delivery import reminders
from registrations.meeting import load_meeting

AMS = ZoneInfo("Europe/Amsterdam")
EVENT = load_meeting()
DAY_BEFORE, HOUR_BEFORE = EVENT.reminders


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=AMS)


def item(**extra) -> dict:
    return {"status": "registered", "registered_at": "2023-05-20T09:00:00+02:00", **extra}


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2023-06-06T09:59", None),
        ("2023-06-06T10:00", DAY_BEFORE),
        ("2023-06-07T12:29", DAY_BEFORE),
        ("2023-06-07T12:30", HOUR_BEFORE),
        ("2023-06-07T13:29", HOUR_BEFORE),
        ("2023-06-07T13:30", None),  # the meeting has started
        ("2023-06-08T10:00", None),
    ],
)
def test_both_default_reminders_come_due_at_their_moments_and_none_after_the_start(now, expected):
    assert reminders.owed(item(), EVENT, at(now)) == expected


@pytest.mark.parametrize(
    "extra",
    [
        {"status": "cancelled"},
        {"email_status": "bounced"},
        {"email_status": "complained"},
        # SES refused to send to the address: a reminder would be refused too.
        {"email_status": "rejected"},
        # Registered, or got the Teams link, less than an hour before the reminder's moment.
        {"registered_at": "2023-06-06T09:01:00+02:00"},
        {"followup_mail_sent_at": "2023-06-06T09:30:00+02:00"},
        {"followup_sent_at": "2023-06-06T09:59:59+02:00"},
    ],
)
def test_no_reminder_to_cancelled_bounced_or_very_recent_registrants(extra):
    assert reminders.owed(item(**extra), EVENT, at("2023-06-06T10:05")) is None


def test_an_hour_or_more_before_is_not_too_recent():
    assert reminders.owed(item(registered_at="2023-06-06T09:00:00+02:00"), EVENT, at("2023-06-06T10:05")) == DAY_BEFORE
    # A delivery status that is not bounced, complained or rejected does not stop it.
    assert reminders.owed(item(email_status="delivered"), EVENT, at("2023-06-06T10:05")) == DAY_BEFORE


def test_a_missed_reminder_is_still_sent_before_the_start_and_only_the_later_one_when_both_are_due():
    # Nothing ran between 6 June 9:00 and 7 June 12:40: both reminders are due, only the hour-before is owed.
    assert reminders.owed(item(), EVENT, at("2023-06-07T12:40")) == HOUR_BEFORE
    # The day-before reminder missed until the morning of the meeting: still sent.
    assert reminders.owed(item(), EVENT, at("2023-06-07T08:00")) == DAY_BEFORE


def test_each_reminder_once_and_never_an_earlier_one_after_a_later():
    sent_day_before = item(reminder_mail_done=reminders.owed_id(DAY_BEFORE))
    assert reminders.owed(sent_day_before, EVENT, at("2023-06-06T18:00")) is None
    assert reminders.owed(sent_day_before, EVENT, at("2023-06-07T12:30")) == HOUR_BEFORE
    sent_both = item(reminder_mail_done=reminders.owed_id(HOUR_BEFORE))
    assert reminders.owed(sent_both, EVENT, at("2023-06-07T13:00")) is None


def test_a_moved_meeting_owes_its_moved_reminders_again():
    moved = dataclasses.replace(
        EVENT,
        starts_at=at("2023-06-14T13:30"),
        ends_at=at("2023-06-14T15:00"),
        reminders=tuple(dataclasses.replace(r, moment=r.moment + dt.timedelta(days=7)) for r in EVENT.reminders),
    )
    sent_day_before = item(reminder_mail_done=reminders.owed_id(DAY_BEFORE))
    assert reminders.owed(sent_day_before, moved, at("2023-06-13T10:00")) == moved.reminders[0]


def test_a_called_off_meeting_owes_no_reminder():
    off = dataclasses.replace(EVENT, cancelled=True, cancelled_reason="Verhinderd.")
    assert reminders.owed(item(), off, at("2023-06-06T10:05")) is None


def test_the_sent_reminders_are_recorded_in_order():
    first = reminders.recorded(item(), DAY_BEFORE, "sent")
    assert first == {"reminders_sent": DAY_BEFORE.key}
    both = reminders.recorded(item(**first), HOUR_BEFORE, "sent")
    assert reminders.sent_keys(both) == [DAY_BEFORE.key, HOUR_BEFORE.key]
    assert reminders.recorded(item(), DAY_BEFORE, "failed") == {}


def test_the_next_reminder_and_how_many_it_will_reach():
    rows = [
        item(),
        item(status="cancelled"),
        item(email_status="bounced"),
        item(registered_at="2023-06-06T09:30:00+02:00"),  # too recent for the day-before reminder only
    ]
    upcoming = reminders.upcoming(rows, EVENT, at("2023-06-01T10:00"))
    assert upcoming == reminders.Upcoming(DAY_BEFORE, 1)
    # Once the day-before reminder went to everyone it owes, the next is the hour-before one.
    rows[0]["reminder_mail_done"] = reminders.owed_id(DAY_BEFORE)
    assert reminders.upcoming(rows, EVENT, at("2023-06-06T11:00")) == reminders.Upcoming(HOUR_BEFORE, 2)
    assert reminders.upcoming(rows, EVENT, at("2023-06-07T13:30")) is None
