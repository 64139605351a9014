"""The meeting's own emails as a registrant receives them: the reminder (with and without the Teams link), the
change notice (old -> new, a REQUEST with the given SEQUENCE) and the called-off notice (METHOD:CANCEL)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
from email import policy
from zoneinfo import ZoneInfo

import icalendar
import pytest

from registrations.mail.meeting_mail import MeetingMailer
from registrations.meeting import load_meeting
from registrations.registration.calendar_facts import SENT_BEFORE
from registrations.registration.personal_link import PersonalLinks

AMS = ZoneInfo("Europe/Amsterdam")
ITEM = {
    "event": "ibp-vth-2023-06-07",
    "email": "j.devries@gemeente.example",
    "given_name": "Jan",
    "family_name": "de Vries",
    "registration_id": "rid-123",
    "link_version": 1,
    "status": "registered",
}
TEAMS = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc"


@dataclasses.dataclass(frozen=True)
class Paper:
    title: str
    url: str = ""
    file: str = ""


@dataclasses.dataclass(frozen=True)
class Published:
    teams_link: str
    papers: tuple[Paper, ...]


def mailer(event=None) -> MeetingMailer:
    event = event or load_meeting()
    return MeetingMailer(event, PersonalLinks("s" * 32, event), "VNG <bijeenkomst@vng.example>", "https://site.example")


def received(message):
    parsed = email.message_from_bytes(message.as_bytes(), policy=policy.default)
    text = parsed.get_body(("plain",)).get_content().replace("\r\n", "\n")
    [part] = [p for p in parsed.iter_attachments() if p.get_content_type() == "text/calendar"]
    calendar = icalendar.Calendar.from_ical(part.get_content())
    [entry] = calendar.walk("VEVENT")
    return parsed, text, calendar, entry


NOW = dt.datetime(2023, 6, 6, 10, 0, tzinfo=AMS)


def test_the_reminder_before_the_link_is_published_says_it_follows_and_has_no_link():
    event = load_meeting()
    day_before = event.reminders[0]
    parsed, text, calendar, entry = received(mailer().reminder(ITEM, NOW, day_before, None, sequence=7))
    assert (
        parsed["Subject"] == "Herinnering voor de bestuurlijke netwerkbijeenkomst IBP VTH op 7 juni 2023 om 13.30 uur"
    )
    assert "Morgen is de bestuurlijke netwerkbijeenkomst IBP VTH" in text
    assert "Datum: woensdag 7 juni 2023" in text and "Tijd: 13.30 tot 15.00 uur" in text
    assert "De vergaderlink voor Microsoft Teams hebben we nog niet verstuurd" in text
    assert "teams.microsoft.com" not in parsed.as_string()
    assert "https://site.example/api/mijn-aanmelding/" in text
    assert calendar["METHOD"] == "REQUEST" and entry["SEQUENCE"] == 7
    assert str(entry["UID"]) == "ibp-vth-2023-06-07@vng.nl"


def test_the_reminder_after_publishing_carries_the_teams_link_and_the_papers():
    event = load_meeting()
    published = Published(
        TEAMS, (Paper("Robuustheidscriteria", file="criteria 2023.pdf"), Paper("Landschap", url="https://vng.nl/l"))
    )
    parsed, text, calendar, entry = received(mailer().reminder(ITEM, NOW, event.reminders[1], published, sequence=9))
    assert "Vandaag is de bestuurlijke netwerkbijeenkomst" in text
    assert f"Deelnemen via Microsoft Teams:\n{TEAMS}" in text
    # As the follow-up links them: a file through the personal page, a link as it is.
    assert "- Robuustheidscriteria: https://site.example/api/mijn-aanmelding/" in text
    assert "/stukken/criteria%202023.pdf\n- Landschap: https://vng.nl/l" in text
    assert "nog niet verstuurd" not in text
    assert str(entry["LOCATION"]) == TEAMS and entry["SEQUENCE"] == 9


def test_the_change_notice_says_what_changed_old_to_new_and_updates_the_entry():
    moved = dataclasses.replace(
        load_meeting(),
        starts_at=dt.datetime(2023, 6, 14, 14, 0, tzinfo=AMS),
        ends_at=dt.datetime(2023, 6, 14, 15, 30, tzinfo=AMS),
    )
    parsed, text, calendar, entry = received(mailer(moved).change(ITEM, NOW, SENT_BEFORE, sequence=12))
    assert (
        parsed["Subject"] == "Gewijzigd. De bestuurlijke netwerkbijeenkomst IBP VTH is nu op 14 juni 2023 om 14.00 uur"
    )
    assert "Datum: was woensdag 7 juni 2023, wordt woensdag 14 juni 2023" in text
    assert "Tijd: was 13.30 tot 15.00 uur, wordt 14.00 tot 15.30 uur" in text
    assert "Waar:" not in text.split("Zo ziet")[0]  # the place did not change, so it is not listed as changed
    assert calendar["METHOD"] == "REQUEST" and entry["SEQUENCE"] == 12
    assert entry.decoded("DTSTART") == dt.datetime(2023, 6, 14, 12, 0, tzinfo=dt.UTC)
    assert str(entry["UID"]) == "ibp-vth-2023-06-07@vng.nl"


def test_a_change_notice_without_a_change_is_refused():
    with pytest.raises(ValueError):
        mailer().change(ITEM, NOW, SENT_BEFORE, sequence=3)


def test_the_called_off_notice_gives_the_reason_and_cancels_the_entry():
    off = dataclasses.replace(load_meeting(), cancelled=True, cancelled_reason="De sprekers zijn verhinderd.")
    parsed, text, calendar, entry = received(mailer(off).called_off(ITEM, NOW, SENT_BEFORE, sequence=15))
    assert parsed["Subject"] == "Afgelast. De bestuurlijke netwerkbijeenkomst IBP VTH van 7 juni 2023 gaat niet door"
    assert "van woensdag 7 juni 2023 gaat niet door. De sprekers zijn verhinderd." in text
    assert calendar["METHOD"] == "CANCEL" and entry["STATUS"] == "CANCELLED" and entry["SEQUENCE"] == 15
    with pytest.raises(ValueError):
        mailer().called_off(ITEM, NOW, SENT_BEFORE, sequence=16)


def test_the_meeting_mails_and_the_registration_mails_attach_one_and_the_same_calendar_entry():
    from registrations.mail.confirmation import ConfirmationMailer

    event = load_meeting()
    sent_link = {**ITEM, "teams_link": TEAMS}  # once sent, the Teams link stays in every later update
    confirmation = ConfirmationMailer(
        event, PersonalLinks("s" * 32, event), "VNG <bijeenkomst@vng.example>", "https://site.example"
    )
    ours = mailer(event).entry(sent_link, NOW, 9, method="REQUEST")
    theirs = confirmation.invitation(sent_link, NOW, sequence=9)
    assert (ours.data, ours.filename, ours.params) == (theirs.data, theirs.filename, theirs.params)
    assert TEAMS.encode() in ours.data.replace(b"\r\n ", b"")
