"""The Lambda entry hands an upload to the console with the lookup of each meeting's deliverer (`deliverer_for`):
the console takes the meeting from the upload's folder."""

from __future__ import annotations

from registrations import lambda_handler
from registrations.console import wiring


class StandInDeliverers:
    def for_meeting(self, meeting_id: str) -> str:
        return f"the deliverer of {meeting_id}"


def test_a_console_that_takes_a_meeting_gets_the_lookup(monkeypatch):
    given = []

    def handle(event, deliverer_for, settings):
        given.append(deliverer_for("ibp-vth-2024-06-05"))
        return "checked"

    monkeypatch.setattr(wiring, "handle_s3_event", handle)
    assert lambda_handler._console_from_environment({}, StandInDeliverers()) == "checked"  # type: ignore[arg-type]
    assert given == ["the deliverer of ibp-vth-2024-06-05"]
