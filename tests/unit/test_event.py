import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from registrations.meeting import EventFileError, load_meeting

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
    with pytest.raises(EventFileError, match="missing or malformed"):
        load_meeting(broken)
