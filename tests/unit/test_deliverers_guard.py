"""One meeting's failing round never stops another meeting's mail (delivery/deliverers.py): the sweep counts an
error for it and goes on; a stream batch hands back only that meeting's records. A store that does not answer
still stops them all."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from registrations.delivery.deliverers import Deliverers
from registrations.errors import StoreUnavailable
from registrations.meeting import Meetings
from tests.unit.test_meeting_catalogue import LETTER, SECOND, add_meeting, copy_of_meetings

NOW = dt.datetime(2023, 6, 1, tzinfo=ZoneInfo("Europe/Amsterdam"))


class StandIn:
    def __init__(self, meeting, fails: Exception | None):
        self.meeting, self.fails, self.last_overdue = meeting, fails, 0

    def sweep(self, seconds_left):
        if self.fails:
            raise self.fails
        return Counter({"sent": 1})

    def stream(self, records, seconds_left):
        if self.fails:
            raise self.fails
        return {"batchItemFailures": []}


def deliverers(tmp_path, failing: str, error: Exception) -> Deliverers:
    root = copy_of_meetings(tmp_path)
    add_meeting(root)
    meetings = Meetings.load(root)
    return Deliverers(meetings, lambda m: StandIn(m, error if m.id == failing else None), lambda: NOW)  # type: ignore[arg-type,return-value]


def record(meeting: str, sequence: str) -> dict:
    return {"eventName": "MODIFY", "dynamodb": {"SequenceNumber": sequence, "Keys": {"event": {"S": meeting}}}}


def test_a_failing_meetings_sweep_counts_an_error_and_the_others_still_send(tmp_path):
    swept = deliverers(tmp_path, LETTER, KeyError("publication")).sweep()
    assert swept == Counter({"sent": 1, "error": 1})


def test_a_failing_meetings_stream_records_alone_are_handed_back(tmp_path):
    answer, _ = deliverers(tmp_path, SECOND, ValueError("bad item")).stream(
        [record(LETTER, "1"), record(SECOND, "2"), record(SECOND, "3")]
    )
    assert answer == {"batchItemFailures": [{"itemIdentifier": "2"}, {"itemIdentifier": "3"}]}


def test_a_store_that_does_not_answer_still_stops_the_round(tmp_path):
    with pytest.raises(StoreUnavailable):
        deliverers(tmp_path, LETTER, StoreUnavailable()).sweep()
