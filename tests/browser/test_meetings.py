"""A second meeting as a folder, in a temporary copy of the meetings (MEETINGS_DIR; no code touched): the site
built from it lists both meetings, the held one says so on every page and shows no form, each meeting's form is its
own, the old addresses still lead to the letter's meeting, and every page passes axe on a phone and a desktop."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from registrations.dev.local import build_site
from registrations.meeting import load_meeting, page_path
from tests.browser.conftest import DESKTOP, MOBILE, format_violations
from tests.conftest import OPEN_MOMENT
from tests.event_files import SECOND_ID, SECOND_TITLE, add_second_meeting, meetings_copy

LETTER = load_meeting()
# The second meeting is open for registration; the letter's meeting of 2023 has taken place.
SECOND_OPEN = "2024-05-10T10:00"
PAGES = ("", "achtergrond/", "aanmelden/", "aanmelden/bevestiging/")


@pytest.fixture(scope="module")
def meetings(tmp_path_factory):
    root = meetings_copy(tmp_path_factory.mktemp("meetings"))
    add_second_meeting(root)
    return root


def build(meetings, target, moment: str):
    return build_site(target, env={"MEETINGS_DIR": str(meetings), "PREVIEW_NOW": moment})


@pytest.fixture(scope="module")
def site(meetings, tmp_path_factory):
    return build(meetings, tmp_path_factory.mktemp("two-meetings") / "site", SECOND_OPEN)


@pytest.fixture
def server(live_server_factory, meetings, site):
    return live_server_factory(site_dir=site, MEETINGS_DIR=str(meetings), PREVIEW_NOW=SECOND_OPEN)


def test_the_home_page_leads_with_the_open_meeting_and_lists_the_held_one(server, page):
    page.set_viewport_size(MOBILE)
    page.goto(server.url + "/")
    featured = page.locator(".reg-meeting--featured")
    expect(featured.get_by_role("heading", level=2)).to_have_text("Aanmelden kan nu")
    expect(featured).to_contain_text(SECOND_TITLE)
    expect(featured).to_contain_text("vrijdag 7 juni 2024, 13.30 tot 15.00 uur")
    expect(featured.get_by_role("link", name="Meld u aan")).to_have_attribute(
        "href", page_path(SECOND_ID, "aanmelden/")
    )
    others = page.locator(".reg-meetings")
    expect(page.get_by_role("heading", level=2, name="Andere bijeenkomsten")).to_be_visible()
    expect(others.get_by_role("listitem")).to_have_count(1)
    held = others.get_by_role("link", name=f"{LETTER.title}, {LETTER.date_text}")
    expect(held).to_have_attribute("href", page_path(LETTER.id))
    expect(others).to_contain_text("Deze bijeenkomst is geweest.")
    # One button to a form: the open meeting's
    expect(page.get_by_role("link", name="Meld u aan")).to_have_count(1)


def test_the_held_meetings_pages_say_it_has_taken_place_and_show_no_form(server, page):
    for name in PAGES:
        page.goto(server.url + page_path(LETTER.id, name))
        notice = page.locator("#meeting-held")
        expect(notice).to_be_visible()
        expect(notice).to_contain_text(f"Deze bijeenkomst is geweest op {LETTER.date_text}.")
        expect(page.locator("form")).to_have_count(0)
        expect(page.get_by_role("link", name="Meld u aan")).to_have_count(0)
    # The open meeting's pages have no such notice, and its form is there
    page.goto(server.url + page_path(SECOND_ID, "aanmelden/"))
    expect(page.locator("#meeting-held")).to_have_count(0)
    expect(page.locator("#registration-form")).to_be_visible()


def test_each_meetings_pages_give_its_own_facts_and_its_form_asks_for_its_own_state(server, page):
    page.goto(server.url + page_path(SECOND_ID))
    expect(page.get_by_role("heading", level=1)).to_have_text(SECOND_TITLE)
    expect(page.locator(".reg-facts")).to_contain_text("Uiterlijk vrijdag 24 mei 2024")
    with page.expect_response(lambda r: r.url.endswith(f"/api/bijeenkomsten/{SECOND_ID}")) as asked:
        page.get_by_role("link", name="Meld u aan").click()
    assert asked.value.ok and asked.value.json()["event"]["id"] == SECOND_ID
    form = page.locator("#registration-form")
    expect(form).to_have_attribute("data-meeting", SECOND_ID)
    expect(form.locator("input[type=hidden][name=meeting]")).to_have_value(SECOND_ID)
    expect(form).to_have_attribute("data-confirmation", page_path(SECOND_ID, "aanmelden/bevestiging/"))
    # The menu is this meeting's
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    expect(menu.get_by_role("link", name="Achtergrond")).to_have_attribute("href", page_path(SECOND_ID, "achtergrond/"))
    expect(menu.locator("[aria-current=page]")).to_have_text("Aanmelden")


def test_while_both_are_open_each_form_page_carries_its_own_meetings_id(meetings, tmp_path):
    site = build(meetings, tmp_path / "site", OPEN_MOMENT)
    for meeting_id in (LETTER.id, SECOND_ID):
        html = (site / page_path(meeting_id, "aanmelden/").lstrip("/") / "index.html").read_text(encoding="utf-8")
        assert re.findall(r'data-meeting="([^"]+)"', html) == [meeting_id]
        assert re.findall(r'<input type="hidden" name="meeting" value="([^"]+)">', html) == [meeting_id]
    # The home page leads with the one that opened first, and lists the other as open too
    home = (site / "index.html").read_text(encoding="utf-8")
    assert home.index(f'id="bijeenkomst-{LETTER.id}"') < home.index(f'id="bijeenkomst-{SECOND_ID}"')
    assert "Aanmelden kan tot en met vrijdag 24 mei 2024." in home


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/aanmelden/", page_path(LETTER.id, "aanmelden/")),
        ("/aanmelden?ref=brief", page_path(LETTER.id, "aanmelden/") + "?ref=brief"),
        ("/aanmelden/bevestiging/", page_path(LETTER.id, "aanmelden/bevestiging/")),
        ("/achtergrond/", page_path(LETTER.id, "achtergrond/")),
    ],
)
def test_the_old_addresses_lead_to_the_letters_meeting(server, page, old, new):
    answer = page.request.get(server.url + old, max_redirects=0)
    assert (answer.status, answer.headers["location"]) == (301, new)
    page.goto(server.url + old)
    assert page.url == server.url + new


def test_every_page_of_both_meetings_has_no_axe_violations(server, page, axe):
    paths = ["/"] + [page_path(m, name) for m in (SECOND_ID, LETTER.id) for name in PAGES]
    for path in paths:
        for viewport in (MOBILE, DESKTOP):
            page.set_viewport_size(viewport)
            page.goto(server.url + path)
            page.wait_for_load_state("networkidle")
            violations = axe(page)
            assert violations == [], f"{path} at {viewport['width']}px:\n" + format_violations(violations)
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow == 0, f"{path} at {viewport['width']}px"
