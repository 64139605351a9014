"""Every page of the site in Chromium: accessible (axe-core), private (no other origins), Dutch, facts from the
meetings' folders."""

from __future__ import annotations

from urllib.parse import urljoin, urlparse

import pytest

from registrations.meeting import default_meetings, load_meeting, page_path
from tests.browser.conftest import DESKTOP, MOBILE, format_violations

EVENT = load_meeting()
FORM = page_path(EVENT.id, "aanmelden/")
CONFIRMATION = page_path(EVENT.id, "aanmelden/bevestiging/")


def meeting_pages(meeting) -> list[tuple[str, str | None]]:
    """A meeting's four pages with their main heading (None: a heading its own page gives)."""
    letter = meeting.id == EVENT.id
    return [
        (page_path(meeting.id), meeting.title),
        (
            page_path(meeting.id, "achtergrond/"),
            "Achtergrond: pijler 1, robuuste omgevingsdiensten" if letter else None,
        ),
        (page_path(meeting.id, "aanmelden/"), "Aanmelden"),
        (page_path(meeting.id, "aanmelden/bevestiging/"), "U bent aangemeld"),
    ]


# The home page, every meeting's pages, the statements and the 404 page, with their main heading.
PAGES = [
    ("/", "Bijeenkomsten over het IBP VTH"),
    *(page for meeting in default_meetings() for page in meeting_pages(meeting)),
    ("/privacy/", "Privacyverklaring"),
    ("/toegankelijkheid/", "Toegankelijkheidsverklaring"),
    ("/bestaat-niet/", "Deze pagina bestaat niet"),
]


@pytest.mark.parametrize(("path", "heading"), PAGES, ids=[p for p, _ in PAGES])
def test_every_page_has_no_axe_violations_on_a_phone_and_a_desktop(live_server, page, axe, path, heading):
    # Given the page, loaded in a phone-sized window (and, for a form page, after it asked for its meeting)
    page.set_viewport_size(MOBILE)
    open_page(page, live_server.url + path)
    title = page.get_by_role("heading", level=1).inner_text()
    assert title == heading if heading else title.strip()
    # Then axe-core finds nothing, on the phone and again with the window at desktop size
    for viewport in (MOBILE, DESKTOP):
        page.set_viewport_size(viewport)
        violations = axe(page)
        assert violations == [], f"{viewport}:\n" + format_violations(violations)


def test_axe_reports_a_planted_violation(live_server, page, axe):
    """The check above can fail: an image without a text alternative and an unlabelled field are found."""
    page.goto(live_server.url + "/")
    page.evaluate("""() => {
        const main = document.querySelector("article");
        main.insertAdjacentHTML("beforeend", '<img src="/assets/images/favicon.svg"><input type="text">');
    }""")
    assert {"image-alt", "label"} <= {v["id"] for v in axe(page)}


def test_no_page_requests_anything_from_another_origin_or_sets_a_cookie(live_server, page, valid_form):
    origin = live_server.url
    requested: list[str] = []
    console_errors: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))

    # When a visitor reads every page and registers
    for path, _ in PAGES:
        open_page(page, origin + path)
    page.goto(origin + FORM)
    fill_minimal(page, valid_form)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(origin + CONFIRMATION)
    page.wait_for_load_state("networkidle")

    # Then every request went to the site's own origin (fonts, scripts, styles, icons and the API alike)
    assert requested, "no requests were recorded"
    foreign = [url for url in requested if not url.startswith(origin + "/")]
    assert foreign == []
    assert any(url.endswith("/api/registrations") for url in requested)
    # And nothing was stored in the browser, and nothing went wrong in the console, apart from the 404 page itself
    assert page.context.cookies() == []
    assert [e for e in console_errors if "404" not in e] == []


def test_every_link_and_resource_on_the_site_resolves(live_server, page):
    """Internal links (menu, footer, form, error page) and every loaded file answer 200."""
    origin = live_server.url
    seen: set[str] = set()
    # The confirmation page is reached by a redirect, not a link.
    queue = [origin + "/", origin + CONFIRMATION]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = page.goto(url)
        assert response.status == 200, url
        targets = page.eval_on_selector_all(
            "a[href], link[href], script[src]", "els => els.map(e => e.getAttribute('href') || e.getAttribute('src'))"
        )
        for target in targets:
            absolute = urljoin(url, target).split("#")[0]
            if urlparse(absolute).netloc == urlparse(origin).netloc:
                if absolute.endswith("/") and absolute not in seen:
                    queue.append(absolute)
                else:
                    assert page.request.get(absolute).status == 200, f"{absolute} (linked from {url})"
    assert {origin + p for p, _ in PAGES[:-1]} <= seen


def test_the_home_page_leads_with_the_open_meeting_and_its_facts(live_server, page):
    page.goto(live_server.url + "/")
    featured = page.locator(".reg-meeting--featured")
    assert featured.get_by_role("heading", level=2).inner_text() == "Aanmelden kan nu"
    facts = featured.locator(".reg-facts").inner_text()
    for fact in (EVENT.date_text, EVENT.time_text, EVENT.location, EVENT.deadline_text):
        assert fact in facts
    assert "Teams" in facts
    # The call to action leads to that meeting's form
    featured.get_by_role("link", name="Meld u aan").click()
    assert page.url == live_server.url + FORM
    assert page.get_by_role("heading", level=1).inner_text() == "Aanmelden"


def test_the_invitation_gives_the_facts_of_its_folder(live_server, page):
    page.goto(live_server.url + page_path(EVENT.id))
    facts = page.locator(".reg-facts").inner_text()
    for fact in (EVENT.date_text, EVENT.time_text, EVENT.location, EVENT.deadline_text):
        assert fact in facts
    page.get_by_role("link", name="Meld u aan").click()
    assert page.url == live_server.url + FORM


def test_the_menu_marks_the_current_page(live_server, page):
    page.goto(live_server.url + page_path(EVENT.id, "achtergrond/"))
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    current = menu.locator("[aria-current=page]")
    assert current.inner_text() == "Achtergrond"
    assert menu.get_by_role("link").all_inner_texts() == [
        "Alle bijeenkomsten",
        "Uitnodiging",
        "Achtergrond",
        "Aanmelden",
    ]
    page.goto(live_server.url + "/")
    assert page.get_by_role("navigation", name="Hoofdmenu").locator("[aria-current=page]").inner_text() == (
        "Alle bijeenkomsten"
    )


def test_the_privacy_page_states_the_retention_from_the_meetings_folders(live_server, page):
    page.goto(live_server.url + "/privacy/")
    text = page.locator("article").inner_text()
    assert f"Tot {EVENT.retention_days} dagen na de bijeenkomst" in text
    assert EVENT.contact_email in text
    assert "Europese Unie" in text


def test_the_pages_fit_a_phone_without_sideways_scrolling(live_server, page):
    page.set_viewport_size(MOBILE)
    for path, _ in PAGES:
        page.goto(live_server.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow == 0, path


def open_page(page, url: str) -> None:
    """Load a page; a form page also waits for its script's question to /api/bijeenkomsten/<id>."""
    if url.endswith("/aanmelden/"):
        meeting_id = url.rstrip("/").split("/")[-2]
        with page.expect_response(lambda response: response.url.endswith(f"/api/bijeenkomsten/{meeting_id}")):
            page.goto(url)
    else:
        page.goto(url)


def fill_minimal(page, form: dict) -> None:
    page.get_by_label("Voornaam").fill(form["given_name"])
    page.get_by_label("Achternaam").fill(form["family_name"])
    page.get_by_label("E-mailadres").fill(form["email"])
    page.get_by_label("Organisatie", exact=True).select_option(form["organisation"])
    page.get_by_label("Uw rol").select_option(form["role"])
    page.get_by_label("Ik ga akkoord").check()
