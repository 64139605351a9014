"""The personal link in real Chromium, with JavaScript on and off: view, change, cancel; the newcomer's path
from the .eml in the outbox to a cancelled registration."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from registrations import create_app, create_deliverer
from registrations.meeting import page_path
from registrations.repository import dynamodb_resource
from tests.conftest import own_page_client
from tests.mailbox import messages, personal_path_of, wait_for_messages

from .conftest import format_violations, run_axe

pytestmark = pytest.mark.browser

EVENT_ID = "ibp-vth-2023-06-07"
OPEN = "2023-05-10T10:00"
EMAIL = "j.vanthoff@gemeente.example"
REGISTRATION = {
    "given_name": "Jan-Willem",
    "family_name": "van 't Hoff",
    "email": "J.vantHoff@Gemeente.example",
    "organisation": "regio-utrecht",
    "organisation_other": "",
    "role": "dagelijks-bestuur",
    "on_behalf_of": "Gemeente Utrecht",
    "remark": "Graag aandacht voor de kleine gemeenten.",
    "consent": "ja",
}


@pytest.fixture
def open_server(live_server_factory):
    """A server at a moment when registration is open (the real date is long past)."""
    return live_server_factory(PREVIEW_NOW=OPEN)


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def any_page(request):
    return request.getfixturevalue("page" if request.param else "page_nojs")


def register(server) -> str:
    """Register over HTTP, then return the personal link's path from the .eml in the outbox."""
    request = urllib.request.Request(
        server.url + "/api/registrations",
        data=json.dumps(REGISTRATION).encode(),
        headers={"Content-Type": "application/json", "Origin": server.url, "Sec-Fetch-Site": "same-origin"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        assert response.status == 201
    [message] = wait_for_messages(server.config["MAIL_OUTBOX"], 1)
    return personal_path_of(message)


def stored(server) -> dict:
    config = server.config
    table = dynamodb_resource(config["AWS_REGION"], config["DYNAMODB_ENDPOINT"]).Table(config["REGISTRATIONS_TABLE"])
    return table.get_item(Key={"event": EVENT_ID, "email": EMAIL}, ConsistentRead=True)["Item"]


def own_origin_only(page, server) -> list[str]:
    """Collects every request that leaves the site's own origin (there must be none)."""
    foreign: list[str] = []
    page.on("request", lambda req: None if req.url.startswith(server.url + "/") else foreign.append(req.url))
    return foreign


def test_view_change_and_cancel(open_server, any_page):
    live_server = open_server
    page = any_page
    foreign = own_origin_only(page, live_server)
    link = register(live_server)

    # Given the personal link from the email
    response = page.goto(live_server.url + link)
    assert response.status == 200
    expect(page).to_have_title(re.compile(r"^Uw aanmelding - "))
    expect(page.get_by_role("heading", level=1)).to_have_text("Uw aanmelding")
    # Then the registration is shown, with the address fixed
    expect(page.get_by_label("Voornaam")).to_have_value("Jan-Willem")
    expect(page.get_by_label("Organisatie", exact=True)).to_have_value("regio-utrecht")
    expect(page.locator("#email-fixed")).to_have_text(f"E-mailadres: {EMAIL}")
    assert page.locator("input[name=email]").count() == 0

    # When they make a mistake, the error summary lists it and nothing they typed is lost
    page.get_by_label("Voornaam").fill("")
    page.get_by_label("Vraag of opmerking voor de bijeenkomst").fill("Ik kom wat later.")
    page.get_by_role("button", name="Wijzigingen opslaan").click()
    summary = page.get_by_role("alert").filter(has_text="Er is 1 fout in het formulier")
    expect(summary).to_be_visible()
    expect(page.get_by_label("Voornaam")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Vraag of opmerking voor de bijeenkomst")).to_have_value("Ik kom wat later.")
    summary.get_by_role("link", name="Vul uw voornaam in.").click()
    expect(page.get_by_label("Voornaam")).to_be_focused()

    # When they correct it and save
    page.get_by_label("Voornaam").fill("Jan")
    page.get_by_label("Uw rol").select_option("algemeen-bestuur")
    page.get_by_role("button", name="Wijzigingen opslaan").click()
    # Then the page says it was saved, and shows the new details
    expect(page.get_by_role("alert")).to_have_text("Uw wijzigingen zijn opgeslagen.")
    expect(page.get_by_label("Voornaam")).to_have_value("Jan")
    expect(page.get_by_label("Uw rol")).to_have_value("algemeen-bestuur")
    item = stored(live_server)
    assert (item["given_name"], item["role_code"], item["remark"]) == ("Jan", "algemeen-bestuur", "Ik kom wat later.")

    # When they cancel, they are asked to confirm first, by keyboard here
    page.get_by_role("link", name="Aanmelding annuleren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanmelding annuleren")
    assert stored(live_server)["status"] == "registered"
    page.get_by_role("button", name="Ja, annuleer mijn aanmelding").focus()
    page.keyboard.press("Enter")
    # Then the registration is cancelled and kept, and they may register again
    expect(page.get_by_role("alert")).to_have_text("Uw aanmelding is geannuleerd.")
    expect(page.get_by_role("link", name="Meld u dan opnieuw aan")).to_have_attribute(
        "href", "/bijeenkomsten/ibp-vth-2023-06-07/aanmelden/"
    )
    item = stored(live_server)
    assert item["status"] == "cancelled" and item["cancelled_at"]
    assert foreign == []


def test_once_the_meeting_has_started_the_page_says_so(live_server_factory, any_page):
    server = live_server_factory(PREVIEW_NOW="2023-06-07T14:00")
    # Given someone who registered while registration was open (same table and outbox)
    own_page_client(create_app({**server.config, "PREVIEW_NOW": OPEN})).post("/api/registrations", json=REGISTRATION)
    create_deliverer({**server.config, "PREVIEW_NOW": OPEN}).sweep()
    [message] = messages(server.config["MAIL_OUTBOX"])
    # When they open their link during the meeting
    any_page.goto(server.url + personal_path_of(message))
    # Then they see their registration, read-only, and why
    expect(
        any_page.get_by_text("De bijeenkomst is begonnen. U kunt uw aanmelding daarom niet meer wijzigen")
    ).to_be_visible()
    assert any_page.locator("form").count() == 0
    expect(any_page.get_by_text("Omgevingsdienst Regio Utrecht")).to_be_visible()


def test_a_damaged_link_gets_a_clear_page(open_server, any_page):
    link = register(open_server)
    response = any_page.goto(open_server.url + link[:-5])
    assert response.status == 400
    expect(any_page.get_by_role("heading", level=1)).to_have_text("Deze link werkt niet")
    expect(any_page.get_by_role("alert")).to_contain_text("Misschien is hij niet helemaal gekopieerd.")


def test_the_calendar_download_from_the_confirmation_page(live_server, page):
    page.goto(live_server.url + page_path(EVENT_ID, "aanmelden/bevestiging/"))
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Zet de bijeenkomst in uw agenda")).click()
    download = download_info.value
    assert download.suggested_filename == "bijeenkomst-ibp-vth-2023-06-07.ics"
    content = Path(download.path()).read_bytes()
    assert b"DTSTART:20230607T113000Z" in content and b"LOCATION:Microsoft Teams (link volgt)" in content


@pytest.mark.parametrize("width,height", [(390, 844), (1280, 900)])
def test_the_personal_pages_have_no_axe_violations(open_server, page, width, height):
    live_server = open_server
    link = register(live_server)
    page.set_viewport_size({"width": width, "height": height})
    paths = [link, link + "/annuleren", link[:-5]]
    for path in paths:
        page.goto(live_server.url + path)
        # Evaluated, not added as a script tag: the function's pages have a CSP that blocks inline scripts.
        violations = run_axe(page)
        assert violations == [], (path, format_violations(violations))
    # And the form with errors on it
    page.goto(live_server.url + link)
    page.get_by_label("Voornaam").fill("")
    page.get_by_role("button", name="Wijzigingen opslaan").click()
    violations = run_axe(page)
    assert violations == [], format_violations(violations)
