"""The meeting's facts as event.toml states them, and the rules between them that refuse a wrong file."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from registrations.meeting import MeetingFileError, load_meeting
from tests.event_files import event_file, meeting_text

AMS = ZoneInfo("Europe/Amsterdam")


def test_facts_match_the_invitation_letter():
    event = load_meeting()
    assert event.starts_at == dt.datetime(2023, 6, 7, 13, 30, tzinfo=AMS)
    assert event.ends_at == dt.datetime(2023, 6, 7, 15, 0, tzinfo=AMS)
    assert event.last_registration_day == dt.date(2023, 5, 24)
    assert event.contact_email == "ronald.kersbergen@vng.nl"
    assert "Teams" in event.location
    assert event.date_text == "woensdag 7 juni 2023"
    assert event.deadline_text == "woensdag 24 mei 2023"
    assert event.time_text == "13.30 tot 15.00 uur"


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (dt.datetime(2023, 5, 24, 23, 59, 59, tzinfo=AMS), True),
        (dt.datetime(2023, 5, 25, 0, 0, tzinfo=AMS), False),
        # The same edge seen from UTC: Amsterdam is UTC+2 in May.
        (dt.datetime(2023, 5, 24, 21, 59, 59, tzinfo=dt.UTC), True),
        (dt.datetime(2023, 5, 24, 22, 0, tzinfo=dt.UTC), False),
    ],
)
def test_registration_is_open_up_to_and_including_the_last_day(moment, is_open):
    assert load_meeting().is_registration_open(moment) is is_open


def test_expiry_is_the_end_plus_the_retention_period():
    event = load_meeting()
    assert event.expires_at - event.ends_at == dt.timedelta(days=event.retention_days)


def test_an_event_file_with_a_missing_fact_fails_with_a_clear_message(tmp_path):
    broken = tmp_path / "event.toml"
    broken.write_text('id = "x"\n', encoding="utf-8")
    with pytest.raises(MeetingFileError, match="missing or malformed"):
        load_meeting(broken)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"end": "13:30:00"}, "the meeting must end after it starts"),
        ({"last_registration_day": "2023-06-07"}, "registration must close before the meeting starts"),
        ({"retention_days": "0"}, "retention_days must be positive"),
        ({"letter_date": "2023-04-06T09:00:00"}, "letter_date must be a date"),
    ],
)
def test_facts_that_contradict_each_other_fail_naming_the_file_and_the_rule(tmp_path, values, message):
    path = event_file(tmp_path, **values)
    with pytest.raises(MeetingFileError, match=message) as raised:
        load_meeting(path)
    assert str(raised.value).startswith(f"{path}: ")


def test_duplicate_choices_fail_to_load(tmp_path):
    text = meeting_text().replace('value = "fumo"', 'value = "groningen"')
    path = tmp_path / "event.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MeetingFileError, match="organisations must be a non-empty list with unique values"):
        load_meeting(path)
