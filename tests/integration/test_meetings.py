"""The function serves every meeting (issue 25, part 3): two meetings as folders in a temporary MEETINGS_DIR, no code
touched. A registration names its meeting; each gets its own confirmation, personal page and follow-up; an unknown
or closed meeting stores nothing (dynalite)."""

from __future__ import annotations

import html

import pytest

from registrations import create_app, create_deliverers
from registrations.delivery import publication
from registrations.delivery.publication import PublishedPaper
from registrations.meeting import Meetings
from registrations.repository import RegistrationRepository
from tests.conftest import own_page_client
from tests.doubles import RecordingSender
from tests.mailbox import messages, personal_path_of, text_of

from .meetings_support import LETTER, SECOND, form, meetings_root, registrations, sent

TEAMS = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_2024%40thread.v2/0"


@pytest.fixture
def config(app_config, tmp_path):
    return {**app_config, "MEETINGS_DIR": str(meetings_root(tmp_path))}


@pytest.fixture
def client(config, clock):
    return own_page_client(create_app(config, clock=clock))


@pytest.fixture
def sender(config):
    return RecordingSender(config["MAIL_OUTBOX"])


@pytest.fixture
def deliverers(config, clock, sender):
    return create_deliverers(config, clock=clock, transport=sender)


def mail_to(config, address: str) -> list:
    return [m for m in messages(config["MAIL_OUTBOX"]) if m["To"].addresses[0].addr_spec == address]


def test_each_registration_is_stored_in_its_own_meeting_and_gets_its_own_confirmation(
    client, table, deliverers, sender, config
):
    assert client.post("/api/registrations", json=form("oud@gemeente.example")).status_code == 201
    assert client.post("/api/registrations", json=form("nieuw@gemeente.example", SECOND)).status_code == 201
    # One address may come to both meetings: one registration in each
    assert client.post("/api/registrations", json=form("beide@gemeente.example", LETTER)).status_code == 201
    assert client.post("/api/registrations", json=form("beide@gemeente.example", SECOND)).status_code == 201
    assert sorted(registrations(table, LETTER)) == ["beide@gemeente.example", "oud@gemeente.example"]
    assert sorted(registrations(table, SECOND)) == ["beide@gemeente.example", "nieuw@gemeente.example"]

    assert deliverers.sweep() == {"sent": 4}
    assert sorted(sent(sender)) == [
        (LETTER, "beide@gemeente.example"),
        (LETTER, "oud@gemeente.example"),
        (SECOND, "beide@gemeente.example"),
        (SECOND, "nieuw@gemeente.example"),
    ]
    [new] = mail_to(config, "nieuw@gemeente.example")
    assert new["Subject"].endswith("op 7 juni 2024") and "Datum: vrijdag 7 juni 2024" in text_of(new)
    [old] = mail_to(config, "oud@gemeente.example")
    assert old["Subject"].endswith("op 7 juni 2023") and "Datum: woensdag 7 juni 2023" in text_of(old)
    # Each calendar entry is its own meeting's
    assert b"UID:ibp-vth-2024-06-05@vng.nl" in new.get_payload()[-1].get_payload(decode=True)
    assert deliverers.sweep() == {}


def test_each_personal_link_opens_its_own_meetings_page_and_works_until_30_days_after_it(
    client, table, deliverers, config, clock
):
    client.post("/api/registrations", json=form("oud@gemeente.example"))
    client.post("/api/registrations", json=form("nieuw@gemeente.example", SECOND))
    deliverers.sweep()
    [old] = [personal_path_of(m) for m in mail_to(config, "oud@gemeente.example")]
    [new] = [personal_path_of(m) for m in mail_to(config, "nieuw@gemeente.example")]
    page = html.unescape(client.get(new).get_data(as_text=True))
    assert "vrijdag 7 juni 2024" in page and "woensdag 7 juni 2023" not in page
    assert f'href="/api/bijeenkomsten/{SECOND}.ics"' in page

    # A change and a cancellation through the link touch its own meeting's registration only
    changed = {**form("nieuw@gemeente.example"), "remark": "Graag een pauze."}
    assert client.post(new, data=changed).status_code == 303
    assert registrations(table, SECOND)["nieuw@gemeente.example"]["remark"] == "Graag een pauze."
    assert client.post(f"{old}/annuleren").status_code == 303
    assert registrations(table, LETTER)["oud@gemeente.example"]["status"] == "cancelled"
    assert registrations(table, SECOND)["nieuw@gemeente.example"]["status"] == "registered"

    # 30 days after the 2023 meeting its link has expired; the 2024 meeting's still works, a year longer
    clock.set("2023-07-08T09:00")
    assert client.get(old).status_code == 410
    assert client.get(new).status_code == 200
    clock.set("2024-07-07T14:00")
    assert client.get(new).status_code == 200
    clock.set("2024-07-07T15:00")
    assert client.get(new).status_code == 410


def test_a_follow_up_published_for_one_meeting_reaches_only_its_registrants(client, table, deliverers, sender, clock):
    for address, meeting in (("oud@gemeente.example", LETTER), ("nieuw@gemeente.example", SECOND)):
        client.post("/api/registrations", json=form(address, meeting))
    deliverers.sweep()
    second = Meetings.load(deliverers.meetings.root).get(SECOND)
    paper = PublishedPaper("Agenda 2024", url="https://vng.example/stukken/agenda-2024.pdf")
    repository = RegistrationRepository(table)
    publication.publish(
        repository, SECOND, TEAMS, [paper], "CD34", clock().isoformat(), int(second.expires_at.timestamp())
    )
    sender.sent.clear()

    assert deliverers.sweep() == {"sent": 1}
    assert sent(sender) == [(SECOND, "nieuw@gemeente.example")]
    assert registrations(table, SECOND)["nieuw@gemeente.example"]["followup_version"] == 1
    assert "followup_version" not in registrations(table, LETTER)["oud@gemeente.example"]
    assert deliverers.sweep() == {}
    # A registration for the 2023 meeting made now carries no follow-up: the 2024 one is not its meeting's
    client.post("/api/registrations", json=form("laat@gemeente.example", LETTER))
    deliverers.sweep()
    assert "teams_link" not in registrations(table, LETTER)["laat@gemeente.example"]


def test_the_personal_page_shows_the_papers_of_its_own_meeting_only(client, table, deliverers, config, clock):
    for address, meeting in (("oud@gemeente.example", LETTER), ("nieuw@gemeente.example", SECOND)):
        client.post("/api/registrations", json=form(address, meeting))
    deliverers.sweep()
    second = deliverers.meetings.get(SECOND)
    paper = PublishedPaper("Agenda 2024", url="https://vng.example/stukken/agenda-2024.pdf")
    expires = int(second.expires_at.timestamp())
    publication.publish(RegistrationRepository(table), SECOND, TEAMS, [paper], "CD34", clock().isoformat(), expires)
    [old] = [personal_path_of(m) for m in mail_to(config, "oud@gemeente.example")]
    [new] = [personal_path_of(m) for m in mail_to(config, "nieuw@gemeente.example")]
    assert "Agenda 2024" in client.get(new).get_data(as_text=True)
    assert "Agenda 2024" not in client.get(old).get_data(as_text=True)


@pytest.mark.parametrize("meeting", ["ibp-vth-1999-01-01", "", "IBP-VTH-2024-06-05", "../ibp-vth-2024-06-05"])
def test_a_registration_for_an_unknown_meeting_is_refused_and_nothing_is_stored(client, table, meeting):
    response = client.post("/api/registrations", json=form("iemand@gemeente.example", meeting))
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["code"] == "unknown_meeting"
    assert error["message"] == "Deze bijeenkomst bestaat niet. Kijk op de website welke bijeenkomsten er zijn."
    # The page of a post without JavaScript says so, without a form for a meeting that does not exist
    page = client.post("/api/registrations", data=form("iemand@gemeente.example", meeting))
    assert page.status_code == 404 and page.mimetype == "text/html"
    text = html.unescape(page.get_data(as_text=True))
    assert "Deze bijeenkomst bestaat niet." in text and "<form" not in text
    # Not a JSON string: no meeting either
    assert client.post("/api/registrations", json={**form("iemand@gemeente.example"), "meeting": 7}).status_code == 404
    assert table.scan()["Items"] == []


def test_a_form_for_a_closed_meeting_stores_nothing_while_another_meeting_is_open(client, table, clock):
    clock.set("2023-06-01T10:00")  # the 2023 meeting closed on 24 May; the 2024 one is open
    closed = client.post("/api/registrations", data=form("laat@gemeente.example", LETTER))
    assert closed.status_code == 403
    assert "De aanmelding is gesloten. Aanmelden kon tot en met 24 mei 2023." in html.unescape(
        closed.get_data(as_text=True)
    )
    # A page cached from before (no meeting named) is the 2023 meeting's: closed too
    assert client.post("/api/registrations", json=form("laat@gemeente.example")).status_code == 403
    assert table.scan()["Items"] == []
    opened = client.post("/api/registrations", data=form("laat@gemeente.example", SECOND))
    assert opened.status_code == 303
    assert opened.headers["Location"] == f"/bijeenkomsten/{SECOND}/aanmelden/bevestiging/"
    assert list(registrations(table, SECOND)) == ["laat@gemeente.example"]
    assert registrations(table, LETTER) == {}


def test_a_form_post_with_an_error_shows_that_meetings_form_again_with_what_was_typed(client, table):
    response = client.post("/api/registrations", data=form("geen-adres", SECOND, given_name="Fenna"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'<input type="hidden" name="meeting" value="{SECOND}">' in page
    assert f'data-confirmation="/bijeenkomsten/{SECOND}/aanmelden/bevestiging/"' in page
    assert 'value="Fenna"' in page and 'value="geen-adres"' in page
    assert table.scan()["Items"] == []


def test_the_app_builds_a_meetings_services_only_when_a_request_is_for_it(config, clock):
    app = create_app(config, clock=clock)
    services = app.extensions["services"]
    assert services.built() == (LETTER,)
    own_page_client(app).post("/api/registrations", json=form("nieuw@gemeente.example", SECOND))
    assert services.built() == (LETTER, SECOND)
    assert app.extensions["meetings"].get(SECOND) is not None
