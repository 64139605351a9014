"""The Lambda entry hands an upload to the console as the console takes it: the deliverer of the upload's meeting
(`deliverer_for`, once the bucket has a folder per meeting), or else the letter meeting's deliverer."""

from __future__ import annotations

from registrations import lambda_handler
from registrations.console import wiring


class StandInDeliverers:
    letter = "the letter meeting's deliverer"

    def for_meeting(self, meeting_id: str) -> str:
        return f"the deliverer of {meeting_id}"


def test_a_console_of_one_deliverer_gets_the_letter_meetings(monkeypatch):
    given = []
    monkeypatch.setattr(wiring, "handle_s3_event", lambda event, deliverer, settings: given.append(deliverer) or "x")
    assert lambda_handler._console_from_environment({}, StandInDeliverers()) == "x"  # type: ignore[arg-type]
    assert given == ["the letter meeting's deliverer"]


def test_a_console_that_takes_a_meeting_gets_the_lookup(monkeypatch):
    given = []

    def handle(event, deliverer_for, settings):
        given.append(deliverer_for("ibp-vth-2024-06-05"))
        return "checked"

    monkeypatch.setattr(wiring, "handle_s3_event", handle)
    assert lambda_handler._console_from_environment({}, StandInDeliverers()) == "checked"  # type: ignore[arg-type]
    assert given == ["the deliverer of ibp-vth-2024-06-05"]
