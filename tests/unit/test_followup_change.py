"""The change email to those who had an earlier version: what changed, the papers now, and the calendar entry only
when the Teams link changed."""

from __future__ import annotations

import datetime as dt

from registrations.event import load_event
from registrations.followup_change import build_change
from registrations.mail.composer import Attachment, MessageComposer
from tests.console_support import TEAMS, TEAMS_NEW, Paper, Publication

NOW = dt.datetime(2023, 6, 1, 9, 0, tzinfo=dt.UTC)
ITEM = {"email": "een@gemeente.example", "given_name": "Anne", "family_name": "de Vries", "status": "registered"}
MANAGE = "https://bijeenkomst.example/api/mijn-aanmelding/TOKEN"
CALENDAR = Attachment(
    b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "uitnodiging.ics", "text", "calendar", {"method": "REQUEST"}
)

V1 = Publication(
    "ibp-vth-2023-06-07",
    1,
    "2023-05-25T10:00:00+02:00",
    TEAMS,
    (Paper("Agenda", file="agenda.pdf"), Paper("Achtergrond", url="https://vng.nl/achtergrond")),
    "AAAAA-AAAAA",
)


def compose(new, old=V1):
    return build_change(
        MessageComposer(load_event(), "VNG <netwerk@vng.example>"), ITEM, old, new, MANAGE, NOW, CALENDAR
    )


def text(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_a_new_paper_is_named_and_no_calendar_is_attached():
    v2 = Publication(V1.event_id, 2, "", TEAMS, V1.papers + (Paper("Bijlage", file="bijlage.pdf"),), "B")
    message = compose(v2)
    assert (
        message["Subject"]
        == "Gewijzigd: vergaderlink of stukken, Bestuurlijke netwerkbijeenkomst IBP VTH, woensdag 7 juni 2023"
    )
    body = text(message)
    assert "- nieuw stuk: Bijlage" in body
    assert f"- Bijlage: {MANAGE}/stukken/bijlage.pdf" in body
    assert "- Achtergrond: https://vng.nl/achtergrond" in body
    assert "Microsoft Teams" not in body
    assert [part.get_content_type() for part in message.iter_attachments()] == []


def test_a_changed_teams_link_gets_the_calendar_update():
    v2 = Publication(V1.event_id, 2, "", TEAMS_NEW, V1.papers[:1], "B")
    message = compose(v2)
    body = text(message)
    assert "- de Teams-link is veranderd" in body and "- vervallen: Achtergrond" in body
    assert TEAMS_NEW in body and TEAMS not in body
    assert "De afspraak in uw agenda is bijgewerkt" in body
    [calendar] = list(message.iter_attachments())
    assert calendar.get_content_type() == "text/calendar"


def test_a_version_without_a_visible_change_still_says_what_it_is():
    v2 = Publication(V1.event_id, 2, "", TEAMS, V1.papers, "B")
    composer = MessageComposer(load_event(), "VNG <netwerk@vng.example>")
    same = build_change(composer, ITEM, V1, v2, MANAGE, NOW, None, {"agenda.pdf": ""})
    assert "een kleine correctie" in text(same)
