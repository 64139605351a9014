"""A moved meeting moves the personal links' validity: links sent before the move follow the new date."""

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from registrations.errors import ExpiredLink
from registrations.meeting import load_meeting
from registrations.registration.personal_link import LinkKey, PersonalLinks

AMS = ZoneInfo("Europe/Amsterdam")
SECRET = "t" * 32
EVENT = load_meeting()
MOVED = dataclasses.replace(
    EVENT,
    starts_at=dt.datetime(2023, 6, 21, 13, 30, tzinfo=AMS),
    ends_at=dt.datetime(2023, 6, 21, 15, 0, tzinfo=AMS),
)


def test_a_link_sent_before_the_meeting_moved_later_stays_valid_until_the_new_end_plus_30_days():
    token = PersonalLinks(SECRET, EVENT).token_for("rid-1", 1)
    moved = PersonalLinks(SECRET, MOVED)
    # Past the old validity (7 July 15:00), within the new one (21 July 15:00).
    assert moved.key_for(token, dt.datetime(2023, 7, 10, 12, 0, tzinfo=AMS)) == LinkKey("rid-1", 1)
    with pytest.raises(ExpiredLink) as caught:
        moved.key_for(token, dt.datetime(2023, 7, 21, 15, 0, tzinfo=AMS))
    assert "Hij werkte tot en met 21 juli 2023." in caught.value.message


def test_a_meeting_moved_earlier_ends_the_links_earlier():
    token = PersonalLinks(SECRET, MOVED).token_for("rid-1", 1)
    with pytest.raises(ExpiredLink):
        PersonalLinks(SECRET, EVENT).key_for(token, dt.datetime(2023, 7, 10, 12, 0, tzinfo=AMS))
