"""One invitee's calendar entry follows their registration: every .ics they get, parsed with icalendar. No I/O.

Register (REQUEST), change (REQUEST, higher SEQUENCE), cancel (CANCEL), register again (REQUEST: the new item
replaces the old one, and still the SEQUENCE rises), the follow-up (REQUEST with the Teams link), and a later
change that keeps the link.
"""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest

from registrations.mail.ics import event_uid, invitation, meeting_calendar
from registrations.meeting import load_meeting
from tests.mailbox import followup_message

EVENT = load_meeting()
SENDER = "netwerkbijeenkomst@vng.example"
TEAMS = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0"
BASE = {
    "event": EVENT.id,
    "email": "j.vanthoff@gemeente.example",
    "given_name": "Jan-Willem",
    "family_name": "van 't Hoff",
    "status": "registered",
}


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def parsed(data: bytes) -> tuple[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(data)
    [vevent] = calendar.walk("VEVENT")
    return str(calendar["METHOD"]), vevent


def followup_calendar(item: dict, now: dt.datetime) -> bytes:
    message = followup_message(
        EVENT, item, TEAMS, [("Agenda", "https://vng.example/agenda.pdf")], f"VNG <{SENDER}>", now
    )
    [attachment] = list(message.iter_attachments())
    assert attachment.get_param("method") == "REQUEST"
    return attachment.get_payload(decode=True)


def lifecycle() -> list[tuple[str, bytes]]:
    registered = {**BASE, "registered_at": "2023-05-10T10:00:00+02:00"}
    changed = {**registered, "family_name": "van 't Hoff-Jansen", "changed_at": "2023-05-11T09:00:00+02:00"}
    cancelled = {**changed, "status": "cancelled", "cancelled_at": "2023-05-12T09:00:00+02:00"}
    # Registering again replaces the item: nothing of the old one is left.
    again = {**BASE, "registered_at": "2023-05-13T09:00:00+02:00"}
    sent = {**again, "followup_sent_at": "2023-06-01T10:00:02+02:00", "teams_link": TEAMS}
    later = {**sent, "on_behalf_of": "Gemeente Utrecht", "changed_at": "2023-06-02T09:00:00+02:00"}

    def mailed(item: dict, moment: str) -> bytes:
        return invitation(EVENT, item, SENDER, at(moment))[0]

    return [
        ("registered", mailed(registered, "2023-05-10T10:00:01+02:00")),
        ("changed", mailed(changed, "2023-05-11T09:00:01+02:00")),
        ("cancelled", mailed(cancelled, "2023-05-12T09:00:01+02:00")),
        ("registered again", mailed(again, "2023-05-13T09:00:01+02:00")),
        ("follow-up", followup_calendar(again, at("2023-06-01T10:00:00+02:00"))),
        ("changed after the follow-up", mailed(later, "2023-06-02T09:00:01+02:00")),
    ]


def test_every_update_has_the_meetings_uid_and_a_rising_sequence():
    steps = [(name, *parsed(data)) for name, data in lifecycle()]
    assert [(name, method) for name, method, _ in steps] == [
        ("registered", "REQUEST"),
        ("changed", "REQUEST"),
        ("cancelled", "CANCEL"),
        ("registered again", "REQUEST"),
        ("follow-up", "REQUEST"),
        ("changed after the follow-up", "REQUEST"),
    ]
    assert {str(vevent["UID"]) for _, _, vevent in steps} == {event_uid(EVENT)}
    sequences = [int(vevent["SEQUENCE"]) for _, _, vevent in steps]
    assert sequences == sorted(set(sequences)), f"SEQUENCE must rise with every update: {sequences}"


def test_a_cancellation_cancels_the_entry_for_this_invitee():
    [(_, data)] = [step for step in lifecycle() if step[0] == "cancelled"]
    method, vevent = parsed(data)
    assert method == "CANCEL" and str(vevent["STATUS"]) == "CANCELLED"
    assert str(vevent["ATTENDEE"]) == "mailto:j.vanthoff@gemeente.example"


def test_the_teams_link_arrives_with_the_follow_up_and_stays():
    steps = dict(lifecycle())
    for name in ("registered", "changed", "registered again"):
        _, vevent = parsed(steps[name])
        assert str(vevent["LOCATION"]) == "Microsoft Teams (link volgt)"
        assert TEAMS not in str(vevent["DESCRIPTION"])
    for name in ("follow-up", "changed after the follow-up"):
        _, vevent = parsed(steps[name])
        assert str(vevent["LOCATION"]) == TEAMS
        assert f"Deelnemen via Microsoft Teams: {TEAMS}" in str(vevent["DESCRIPTION"])


def test_the_public_download_never_shows_the_teams_link():
    method, vevent = parsed(meeting_calendar(EVENT, event_uid(EVENT), at("2023-06-02T09:00:00+02:00")))
    assert method == "PUBLISH"
    assert TEAMS not in vevent.to_ical().decode()


@pytest.mark.parametrize(("name", "data"), lifecycle())
def test_every_invitation_asks_no_answer_and_names_the_sender_as_organiser(name, data):
    _, vevent = parsed(data)
    assert str(vevent["ORGANIZER"]) == f"mailto:{SENDER}"
    assert vevent["ATTENDEE"].params["RSVP"] == "FALSE"
    assert vevent["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
