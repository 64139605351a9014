"""One frame for every page: the function's own pages (personal page, cancel page, link errors, the no-JavaScript
error page) wear the site's header, menu and footer, the same error summary (red links, focused on load), the same
title format, and a footer at the bottom of a short page. The "other organisation" field behaves on the personal
page as on the form."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from registrations.meeting import load_meeting, page_path
from tests.browser.conftest import DESKTOP, MOBILE, format_violations
from tests.browser.test_personal_page import register

pytestmark = pytest.mark.browser

EVENT = load_meeting()
BACKGROUND = page_path(EVENT.id, "achtergrond/")
FORM = page_path(EVENT.id, "aanmelden/")
OPEN = "2023-05-10T10:00"
SUMMARY_RED = "rgb(179, 38, 30)"  # --reg-red
# The frame's parts, as HTML without the page's own state (which menu item is the current page).
FRAME_HTML = """() => ["header.site-header", "nav.site-nav", "footer.site-footer"].map(selector => {
    const found = document.querySelectorAll(selector);
    if (found.length !== 1) { return `${found.length} x ${selector}`; }
    const copy = found[0].cloneNode(true);
    copy.querySelectorAll("[aria-current]").forEach(el => el.removeAttribute("aria-current"));
    return copy.outerHTML.replace(/>\\s+</g, "><").trim();
})"""
FRAME_HEIGHTS = """() => ["header.site-header", "nav.site-nav", "footer.site-footer"].map(
    selector => Math.round(document.querySelector(selector).getBoundingClientRect().height))"""


@pytest.fixture
def open_server(live_server_factory):
    return live_server_factory(PREVIEW_NOW=OPEN)


def function_pages(server) -> dict[str, str]:
    """The function's GET pages by name, for a fresh registration."""
    link = register(server)
    return {"personal page": link, "cancel page": link + "/annuleren", "damaged link": link[:-5]}


def post_form_without_script(page, server) -> None:
    """The function's error page: the form posted natively, as a browser without JavaScript does."""
    page.goto(server.url + FORM)
    with page.expect_navigation():
        page.locator("#registration-form").evaluate("form => form.submit()")


def make_a_mistake_on_the_personal_page(page) -> None:
    page.get_by_label("Voornaam").fill("")
    with page.expect_navigation():
        page.get_by_role("button", name="Wijzigingen opslaan").click()


@pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["390px", "1280px"])
def test_the_function_pages_wear_the_sites_header_menu_and_footer(open_server, page, viewport):
    page.set_viewport_size(viewport)
    # Given the frame of a page of the site
    page.goto(open_server.url + BACKGROUND)
    site_frame, site_heights = page.evaluate(FRAME_HTML), page.evaluate(FRAME_HEIGHTS)
    assert "Hoofdmenu" in site_frame[1] and "Privacyverklaring" in site_frame[2]
    pages = function_pages(open_server)
    for name, path in pages.items():
        # When the function renders a page
        page.goto(open_server.url + path)
        # Then it has the same header, menu and footer, in the same HTML and at the same size
        assert page.evaluate(FRAME_HTML) == site_frame, name
        assert page.evaluate(FRAME_HEIGHTS) == site_heights, name
    post_form_without_script(page, open_server)
    assert page.evaluate(FRAME_HTML) == site_frame, "error page"
    assert page.evaluate(FRAME_HEIGHTS) == site_heights, "error page"


def test_the_menu_of_a_function_page_leads_to_the_site(open_server, page):
    page.goto(open_server.url + function_pages(open_server)["personal page"])
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    # The pages of the registration's meeting
    assert menu.get_by_role("link").all_inner_texts() == [
        "Alle bijeenkomsten",
        "Uitnodiging",
        "Achtergrond",
        "Aanmelden",
    ]
    # No menu item is the current page: the personal page is not one of them
    assert menu.locator("[aria-current]").count() == 0
    menu.get_by_role("link", name="Achtergrond").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Achtergrond: pijler 1, robuuste omgevingsdiensten")


def test_titles_read_page_then_site_name_with_the_sites_separator(open_server, page):
    page.goto(open_server.url + BACKGROUND)
    assert page.title() == f"Achtergrond bij {EVENT.date_text} - {EVENT.title}"
    pages = function_pages(open_server)
    titles = {}
    for name, path in pages.items():
        page.goto(open_server.url + path)
        titles[name] = page.title()
    page.goto(open_server.url + pages["personal page"])
    make_a_mistake_on_the_personal_page(page)
    titles["personal page with an error"] = page.title()
    post_form_without_script(page, open_server)
    titles["error page"] = page.title()
    assert titles == {
        "personal page": f"Uw aanmelding - {EVENT.title}",
        "cancel page": f"Aanmelding annuleren - {EVENT.title}",
        "damaged link": f"Deze link werkt niet - {EVENT.title}",
        "personal page with an error": f"Fout in het formulier - Uw aanmelding - {EVENT.title}",
        "error page": f"Fout: Er zijn 6 fouten in het formulier - Aanmelden - {EVENT.title}",
    }


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def any_page(request):
    return request.getfixturevalue("page" if request.param else "page_nojs")


def test_every_error_summary_has_the_focus_and_red_links(open_server, any_page):
    page = any_page
    link = register(open_server)
    # The personal page with a mistake in the form
    page.goto(open_server.url + link)
    make_a_mistake_on_the_personal_page(page)
    summary = page.locator(".reg-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="Vul uw voornaam in.")).to_have_css("color", SUMMARY_RED)
    # A damaged link
    page.goto(open_server.url + link[:-5])
    expect(page.locator(".reg-summary")).to_be_focused()
    expect(page.locator(".reg-summary")).to_contain_text("Misschien is hij niet helemaal gekopieerd.")
    # The error page of a form posted without the script
    post_form_without_script(page, open_server)
    expect(page.locator(".reg-summary")).to_be_focused()
    expect(page.locator(".reg-summary").get_by_role("link").first).to_have_css("color", SUMMARY_RED)


def test_the_forms_summary_links_are_red_on_the_site_too(live_server, page):
    page.goto(live_server.url + FORM)
    page.get_by_role("button", name="Aanmelden").click()
    summary = page.locator("#registration-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link").first).to_have_css("color", SUMMARY_RED)


def test_on_the_personal_page_the_other_organisation_field_shows_only_when_needed(open_server, page):
    live_server = open_server
    page.goto(live_server.url + register(live_server))
    other = page.get_by_label(re.compile("Naam van uw organisatie"))
    # Given a registration for one of the listed services, the field is hidden
    expect(other).to_be_hidden()
    # When "Een andere organisatie" is chosen, it shows, and what is typed is saved
    page.get_by_label("Organisatie", exact=True).select_option("anders")
    expect(other).to_be_visible()
    other.fill("Provincie Utrecht")
    page.get_by_role("button", name="Wijzigingen opslaan").click()
    expect(page.get_by_role("alert")).to_have_text("Uw wijzigingen zijn opgeslagen.")
    expect(other).to_be_visible()
    expect(other).to_have_value("Provincie Utrecht")
    # And choosing a listed service hides it again
    page.get_by_label("Organisatie", exact=True).select_option("dcmr")
    expect(other).to_be_hidden()


def test_without_javascript_the_other_organisation_field_is_always_shown(open_server, page_nojs):
    page_nojs.goto(open_server.url + register(open_server))
    expect(page_nojs.get_by_label(re.compile("Naam van uw organisatie"))).to_be_visible()


def test_the_personal_pages_write_the_meetings_name_in_lower_case_mid_sentence(open_server, page):
    link = register(open_server)
    page.goto(open_server.url + link)
    expect(page.locator("main")).to_contain_text("U bent aangemeld voor de bestuurlijke netwerkbijeenkomst IBP VTH.")
    page.goto(open_server.url + link + "/annuleren")
    expect(page.locator("main")).to_contain_text(
        "Weet u zeker dat u uw aanmelding voor de bestuurlijke netwerkbijeenkomst IBP VTH van"
    )
    assert "de Bestuurlijke" not in page.locator("main").inner_text()


@pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["390px", "1280px"])
def test_on_a_short_page_the_footer_sits_at_the_bottom_of_the_window(open_server, page, viewport):
    page.set_viewport_size(viewport)
    link = register(open_server)
    for path in (link + "/annuleren", link[:-5]):
        page.goto(open_server.url + path)
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height <= viewport["height"], f"{path} is not a short page at this size"
        bottom = page.evaluate("document.querySelector('footer.site-footer').getBoundingClientRect().bottom")
        assert abs(bottom - viewport["height"]) <= 1, path


@pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["390px", "1280px"])
def test_the_function_pages_have_no_axe_violations(open_server, page, axe, viewport):
    """Each function page, as it first shows and in its error states, at a phone's and a desktop's width."""
    page.set_viewport_size(viewport)
    pages = function_pages(open_server)
    states: dict[str, list[dict]] = {}
    for name, path in pages.items():
        page.goto(open_server.url + path)
        states[name] = axe(page)
    page.goto(open_server.url + pages["personal page"])
    make_a_mistake_on_the_personal_page(page)
    states["personal page with an error"] = axe(page)
    page.get_by_label("Organisatie", exact=True).select_option("anders")
    states["personal page, other organisation"] = axe(page)
    post_form_without_script(page, open_server)
    states["error page"] = axe(page)
    failed = {name: format_violations(found) for name, found in states.items() if found}
    assert failed == {}, "\n".join(f"{name}:\n{text}" for name, text in failed.items())
