"""The reminder times and the calling off in event.toml: defaults, other times, none, and bad input that refuses to
load with a message naming the key."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from registrations.meeting import MeetingFileError, load_meeting
from tests.event_files import event_file, meeting_text

AMS = ZoneInfo("Europe/Amsterdam")


def test_the_default_reminders_are_the_day_before_at_ten_and_an_hour_before(tmp_path):
    # The key left out entirely: the defaults.
    text = re.sub(r"(?m)^reminders = .*\n", "", meeting_text())
    path = tmp_path / "event.toml"
    path.write_text(text, encoding="utf-8")
    moments = [r.moment for r in load_meeting(path).reminders]
    assert moments == [dt.datetime(2023, 6, 6, 10, 0, tzinfo=AMS), dt.datetime(2023, 6, 7, 12, 30, tzinfo=AMS)]
    assert [r.moment for r in load_meeting().reminders] == moments


def test_a_meeting_may_set_other_reminders_or_none(tmp_path):
    path = event_file(tmp_path, reminders='["2 days before at 09:15", "30 minutes before", 2023-06-07T08:00:00]')
    moments = [r.moment for r in load_meeting(path).reminders]
    assert moments == [
        dt.datetime(2023, 6, 5, 9, 15, tzinfo=AMS),
        dt.datetime(2023, 6, 7, 8, 0, tzinfo=AMS),
        dt.datetime(2023, 6, 7, 13, 0, tzinfo=AMS),
    ]
    assert load_meeting(event_file(tmp_path, reminders="[]")).reminders == ()


def test_relative_reminders_move_with_the_meeting(tmp_path):
    moved = load_meeting(event_file(tmp_path, date="2023-06-14"))
    assert [r.moment for r in moved.reminders] == [
        dt.datetime(2023, 6, 13, 10, 0, tzinfo=AMS),
        dt.datetime(2023, 6, 14, 12, 30, tzinfo=AMS),
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('["1 hour after"]', r"reminders\[0\].*wrong format"),
        ('["1 day before at 25:00"]', r"reminders\[0\].*wrong format"),
        ('["1 hour before", 42]', r"reminders\[1\].*wrong format"),
        ('"1 hour before"', r"reminders: must be a list"),
        ("[2023-06-07T13:30:00]", r"reminders\[0\].*at or after the start"),
        ('["1 hour before", 2023-06-08T09:00:00]', r"reminders\[1\].*at or after the start"),
        ('["0 minutes before"]', r"reminders\[0\].*at or after the start"),
        ('["90 days before at 10:00"]', r"reminders\[0\].*before the date of the letter"),
        ("[2023-04-05T10:00:00]", r"reminders\[0\].*before the date of the letter"),
        ('["1 hour before", "60 minutes before"]', r"reminders\[1\].*same moment as reminders\[0\]"),
        ('["1 day before at 10:00", 2023-06-06T10:00:00]', r"reminders\[1\].*same moment as reminders\[0\]"),
    ],
)
def test_bad_reminder_times_refuse_to_load_naming_the_key(tmp_path, value, message):
    with pytest.raises(MeetingFileError, match=message):
        load_meeting(event_file(tmp_path, reminders=value))


def test_calling_the_meeting_off_closes_registration_and_says_why(tmp_path):
    event = load_meeting(event_file(tmp_path, cancelled="true", cancelled_reason='"De sprekers zijn verhinderd"'))
    assert event.cancelled
    assert not event.is_registration_open(dt.datetime(2023, 5, 10, 10, 0, tzinfo=AMS))
    assert event.cancelled_text == (
        "De bestuurlijke netwerkbijeenkomst IBP VTH van woensdag 7 juni 2023 gaat niet door. "
        "De sprekers zijn verhinderd."
    )
    facts = event.public_facts()
    assert facts["cancelled"] is True and facts["cancelled_text"] == event.cancelled_text


def test_the_meeting_takes_place_by_default():
    event = load_meeting()
    assert not event.cancelled and event.cancelled_text == ""
    assert event.is_registration_open(dt.datetime(2023, 5, 10, 10, 0, tzinfo=AMS))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"cancelled": "true"}, "cancelled_reason: a cancelled meeting needs a short reason"),
        ({"cancelled": "true", "cancelled_reason": '"   "'}, "cancelled_reason: a cancelled meeting needs"),
        ({"cancelled": '"ja"'}, "cancelled: must be true or false"),
        ({"cancelled": "true", "cancelled_reason": '"' + "x" * 301 + '"'}, "cancelled_reason: at most 300"),
    ],
)
def test_a_cancelled_meeting_without_a_proper_reason_refuses_to_load(tmp_path, values, message):
    with pytest.raises(MeetingFileError, match=message):
        load_meeting(event_file(tmp_path, **values))
