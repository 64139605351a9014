"""Where a post may come from, in Chromium, with exactly the headers production sends (tests/browser/production.py):
the site's own pages with JavaScript and without, the personal pages (no-referrer: Chromium posts with
`Origin: null`), both local names, and pages of other origins, which get the Dutch 403 page."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid

import pytest
from boto3.dynamodb.conditions import Key
from playwright.sync_api import expect

from registrations.errors import ForeignOrigin
from registrations.meeting import page_path
from tests.mailbox import messages, personal_path_of

from .conftest import DESKTOP, MOBILE, format_violations, run_axe
from .production import production_like

EVENT_ID = "ibp-vth-2023-06-07"
FORM = page_path(EVENT_ID, "aanmelden/")
CONFIRMATION = page_path(EVENT_ID, "aanmelden/bevestiging/")
# Another site; Playwright answers for it, so no request leaves the machine.
FOREIGN = "http://foreign.test"


@pytest.fixture(scope="module")
def prod(dynalite, built_site, tmp_path_factory):
    with production_like(dynalite, built_site, tmp_path_factory.mktemp("origin") / "data") as server:
        yield server


def address() -> str:
    return f"origin-{uuid.uuid4().hex[:10]}@gemeente.example"


def stored(prod, email: str) -> dict | None:
    items = prod.table.query(KeyConditionExpression=Key("event").eq(EVENT_ID) & Key("email").eq(email))["Items"]
    return items[0] if items else None


def fill(page, form: dict) -> None:
    for name in ("given_name", "family_name", "email", "on_behalf_of", "remark"):
        page.locator(f"#{name}").fill(form[name])
    for name in ("organisation", "role"):
        page.locator(f"#{name}").select_option(form[name])
    page.locator("#consent").check()


def posts(page) -> list:
    seen: list = []
    page.on("request", lambda request: request.method == "POST" and seen.append(request))
    return seen


def register(prod, form: dict) -> str:
    """Register over HTTP as the site's page would; the personal link's path from the outbox."""
    request = urllib.request.Request(
        prod.url + "/api/registrations",
        data=json.dumps(form).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Origin": prod.url},
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310 - the local server
        assert response.status == 201
    deadline = time.monotonic() + 30  # a ceiling for a failing test only: the worker sends after the answer
    while not (mine := [m for m in messages(prod.config["MAIL_OUTBOX"]) if form["email"] in str(m["To"])]):
        assert time.monotonic() < deadline, "no confirmation arrived"
        time.sleep(0.05)
    [message] = mine
    return personal_path_of(message)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_the_sites_own_form_registers(prod, page, page_nojs, valid_form, javascript):
    browser_page = page if javascript else page_nojs
    sent = posts(browser_page)
    browser_page.goto(prod.url + FORM)
    form = {**valid_form, "email": address()}
    fill(browser_page, form)
    browser_page.get_by_role("button", name="Aanmelden").click()
    browser_page.wait_for_url(prod.url + CONFIRMATION)
    [request] = sent
    headers = request.all_headers()
    assert headers["origin"] == prod.url and headers["sec-fetch-site"] == "same-origin"
    assert stored(prod, form["email"]) is not None


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_the_personal_pages_post_with_origin_null_and_are_accepted(prod, page, page_nojs, valid_form, javascript):
    browser_page = page if javascript else page_nojs
    form = {**valid_form, "email": address()}
    link = register(prod, form)
    sent = posts(browser_page)
    # The personal page reaches the browser with its own no-referrer, as under `make run`
    response = browser_page.goto(prod.url + link)
    assert response.headers["referrer-policy"] == "no-referrer"
    # Changing
    browser_page.get_by_label("Voornaam").fill("Anna")
    browser_page.get_by_role("button", name="Wijzigingen opslaan").click()
    expect(browser_page.get_by_role("alert")).to_have_text("Uw wijzigingen zijn opgeslagen.")
    # ... was posted as Chromium posts from a no-referrer page
    [change] = sent
    assert change.all_headers()["origin"] == "null"
    assert change.all_headers()["sec-fetch-site"] == "same-origin"
    assert stored(prod, form["email"])["given_name"] == "Anna"
    # Cancelling
    browser_page.goto(prod.url + link + "/annuleren")
    browser_page.get_by_role("button", name="Ja, annuleer mijn aanmelding").click()
    expect(browser_page.get_by_role("alert")).to_have_text("Uw aanmelding is geannuleerd.")
    assert stored(prod, form["email"])["status"] == "cancelled"


def test_localhost_is_the_same_site_as_127_0_0_1(prod, page, valid_form):
    local = prod.url.replace("127.0.0.1", "localhost")
    page.goto(local + FORM)
    form = {**valid_form, "email": address()}
    fill(page, form)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(local + CONFIRMATION)
    assert stored(prod, form["email"]) is not None


def foreign_page(page, origin: str, body: str) -> None:
    page.route(
        origin + "/**",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            body=f"<!doctype html><html lang='en'><body>{body}</body>",
        ),
    )


def hidden_form(action: str, fields: dict) -> str:
    inputs = "".join(f"<input type='hidden' name='{k}' value='{v}'>" for k, v in fields.items())
    return f"<form id='f' method='post' action='{action}'>{inputs}<button>Send</button></form>"


@pytest.mark.parametrize("origin", [FOREIGN, "http://127.0.0.1:9"], ids=["cross-site", "same-site-other-port"])
def test_a_form_on_another_origin_gets_the_dutch_403_page_and_nothing_is_stored(prod, page, valid_form, origin):
    form = {**valid_form, "email": address()}
    foreign_page(page, origin, hidden_form(prod.url + "/api/registrations", form))
    page.goto(origin + "/")
    with page.expect_response(prod.url + "/api/registrations") as answer:
        page.locator("#f button").click()
    assert answer.value.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanmelden")
    expect(page.locator("#registration-summary")).to_contain_text(ForeignOrigin.message)
    assert stored(prod, form["email"]) is None
    # The page is as accessible as every other page, on a phone and a desktop
    for viewport in (MOBILE, DESKTOP):
        page.set_viewport_size(viewport)
        violations = run_axe(page)
        assert violations == [], format_violations(violations)


def test_a_sandboxed_frame_on_another_site_posts_with_origin_null_and_is_refused(prod, page, valid_form):
    form = {**valid_form, "email": address()}
    # The answer goes to the whole tab: this site's answers may not be shown in a frame (frame-ancestors 'none').
    frame = hidden_form(prod.url + "/api/registrations", form).replace("<form ", "<form target='_top' ")
    foreign_page(page, FOREIGN, f"<iframe sandbox='allow-forms allow-top-navigation' srcdoc=\"{frame}\"></iframe>")
    page.goto(FOREIGN + "/")
    with (
        page.expect_request(prod.url + "/api/registrations") as sent,
        page.expect_response(prod.url + "/api/registrations") as answer,
    ):
        page.frame_locator("iframe").locator("#f button").click()
    assert sent.value.all_headers()["origin"] == "null"
    assert answer.value.status == 403
    expect(page.locator("#registration-summary")).to_contain_text(ForeignOrigin.message)
    assert stored(prod, form["email"]) is None


def test_a_form_on_another_site_cannot_change_a_registration(prod, page, valid_form):
    form = {**valid_form, "email": address()}
    link = register(prod, form)
    foreign_page(page, FOREIGN, hidden_form(prod.url + link, {**form, "given_name": "Kwaadwillend"}))
    page.goto(FOREIGN + "/")
    with page.expect_response(prod.url + link) as answer:
        page.locator("#f button").click()
    assert answer.value.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Niet verstuurd")
    assert stored(prod, form["email"])["given_name"] == form["given_name"]
