"""The registration form in Chromium: with and without JavaScript, errors, duplicates, failures, closed, keyboard."""

from __future__ import annotations

import re

import pytest
from boto3.dynamodb.conditions import Key
from playwright.sync_api import expect

from registrations.dev.local import build_site
from registrations.errors import DuplicateRegistration, StoreUnavailable
from registrations.meeting import load_meeting, page_path
from registrations.registration.validation import MESSAGES
from registrations.repository import dynamodb_resource
from registrations.web import honeypot
from registrations.web.errors import error_body
from tests.browser.conftest import DESKTOP, MOBILE, format_violations
from tests.mailbox import wait_for_messages

EVENT = load_meeting()
CLOSED_MOMENT = "2023-05-25T08:00"
FORM = page_path(EVENT.id, "aanmelden/")
CONFIRMATION = page_path(EVENT.id, "aanmelden/bevestiging/")
FACTS = f"/api/bijeenkomsten/{EVENT.id}"
TEXT_FIELDS = ("given_name", "family_name", "email", "on_behalf_of", "remark")
SELECTS = ("organisation", "role")


def stored(config) -> list[dict]:
    table = dynamodb_resource(config["AWS_REGION"], config["DYNAMODB_ENDPOINT"]).Table(config["REGISTRATIONS_TABLE"])
    return table.query(KeyConditionExpression=Key("event").eq(EVENT.id))["Items"]


def open_form(page, server) -> None:
    """Open the form page and wait for the script's check of its meeting, /api/bijeenkomsten/<id> (JavaScript on
    only)."""
    with page.expect_response(lambda response: response.url.endswith(FACTS)):
        page.goto(server.url + FORM)


def fill(page, form: dict) -> None:
    for name in TEXT_FIELDS:
        page.locator(f"#{name}").fill(form[name])
    for name in SELECTS:
        page.locator(f"#{name}").select_option(form[name])
    if form.get("organisation_other"):
        page.locator("#organisation_other").fill(form["organisation_other"])
    if form.get("consent"):
        page.locator("#consent").check()


def typed_values(page) -> dict:
    values = {name: page.locator(f"#{name}").input_value() for name in TEXT_FIELDS + SELECTS}
    values["organisation_other"] = page.locator("#organisation_other").input_value()
    values["consent"] = "ja" if page.locator("#consent").is_checked() else ""
    return values


def submit(page) -> None:
    page.get_by_role("button", name="Aanmelden").click()


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


@pytest.fixture(scope="module")
def closed_site(tmp_path_factory):
    """The site as built after the deadline: the build-time fallback when the API cannot be asked."""
    return build_site(tmp_path_factory.mktemp("closed-site") / "site", env={"PREVIEW_NOW": CLOSED_MOMENT})


# ---- The happy paths ---------------------------------------------------------------------------------------------


def test_registering_with_javascript_sends_json_and_shows_the_confirmation(live_server, page, valid_form):
    posted = []
    page.on("request", lambda r: r.method == "POST" and posted.append(r))
    # Given the form page
    open_form(page, live_server)
    # When an invitee fills in the form and sends it
    fill(page, valid_form)
    submit(page)
    # Then the confirmation page shows
    page.wait_for_url(live_server.url + CONFIRMATION)
    expect(page.get_by_role("heading", level=1)).to_have_text("U bent aangemeld")
    # And the script sent JSON, and the registration is stored
    [request] = posted
    assert request.headers["content-type"] == "application/json"
    assert request.post_data_json["consent"] == "ja"
    [item] = stored(live_server.config)
    assert item["email"] == "j.vanthoff@gemeente.example"
    assert item["remark"] == valid_form["remark"]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_the_confirmation_page_promises_only_what_will_happen(live_server, page, page_nojs, valid_form, javascript):
    # Given an invitee who registers, with or without JavaScript
    tab = page if javascript else page_nojs
    if javascript:
        open_form(tab, live_server)
    else:
        tab.goto(live_server.url + FORM)
    fill(tab, valid_form)
    submit(tab)
    tab.wait_for_url(live_server.url + CONFIRMATION)
    # Then the page says when the email comes, and what to do if it does not
    text = " ".join(tab.locator("main").inner_text().split())
    assert "U krijgt binnen een paar minuten een bevestiging per e-mail." in text
    assert "Kijk dan ook in de map met ongewenste e-mail." in text
    assert "Mail dan naar ronald.kersbergen@vng.nl. U bent wel aangemeld." in text
    # And the email does come: the local worker delivers it (waited for, not timed)
    assert wait_for_messages(live_server.config["MAIL_OUTBOX"], 1)


def test_registering_without_javascript_posts_the_form_and_follows_the_redirect(live_server, page_nojs, valid_form):
    posted = []
    page_nojs.on("request", lambda r: r.method == "POST" and posted.append(r))
    page_nojs.goto(live_server.url + FORM)
    # Without JavaScript the name field of another organisation is always there, with its condition in the label
    expect(page_nojs.get_by_label(re.compile("Naam van uw organisatie"))).to_be_visible()
    fill(page_nojs, valid_form)
    submit(page_nojs)
    page_nojs.wait_for_url(live_server.url + CONFIRMATION)
    expect(page_nojs.get_by_role("heading", level=1)).to_have_text("U bent aangemeld")
    [request] = posted
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert len(stored(live_server.config)) == 1


# ---- The honeypot -------------------------------------------------------------------------------------------------


def test_the_honeypot_is_hidden_from_sight_from_assistive_technology_and_from_the_tab_order(live_server, page):
    open_form(page, live_server)
    trap = page.locator(f"[name='{honeypot.FIELD}']")
    # Clipped to nothing: where the field would be, the page shows something else
    wrapper = trap.locator("xpath=..").bounding_box()
    assert wrapper is not None and wrapper["width"] <= 1 and wrapper["height"] <= 1
    shown_there = trap.evaluate("""el => { el.scrollIntoView(); const s = el.getBoundingClientRect();
        return document.elementFromPoint(s.x + s.width / 2, s.y + s.height / 2) === el; }""")
    assert shown_there is False
    # Not in the accessibility tree: no role finds it, by its label or at all
    expect(page.get_by_role("textbox", name="Laat dit veld leeg")).to_have_count(0)
    assert "Laat dit veld leeg" not in page.locator("#registration-form").aria_snapshot()
    # Tabbing through the whole form reaches the button without ever stopping at it
    page.locator("#given_name").focus()
    visited = []
    while page.evaluate("document.activeElement.type") != "submit":
        page.keyboard.press("Tab")
        visited.append(page.evaluate("document.activeElement.name || document.activeElement.textContent"))
        assert len(visited) < 30, visited
    assert honeypot.FIELD not in visited


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_a_robot_that_fills_the_honeypot_sees_the_confirmation_and_nothing_is_stored(
    live_server, page, page_nojs, valid_form, javascript
):
    robot = page if javascript else page_nojs
    open_form(robot, live_server) if javascript else robot.goto(live_server.url + FORM)
    fill(robot, valid_form)
    # A robot fills in every field it finds, hidden or not
    robot.locator(f"[name='{honeypot.FIELD}']").fill("https://spam.example", force=True)
    submit(robot)
    robot.wait_for_url(live_server.url + CONFIRMATION)
    assert stored(live_server.config) == []


# ---- Errors: shown, announced, focusable -------------------------------------------------------------------------

EMPTY_FORM_ERRORS = {
    "given_name": MESSAGES["given_name.required"],
    "family_name": MESSAGES["family_name.required"],
    "email": MESSAGES["email.required"],
    "organisation": MESSAGES["organisation.required"],
    "role": MESSAGES["role.required"],
    "consent": MESSAGES["consent.required"],
}


def test_an_empty_form_gets_a_focused_summary_and_inline_errors_linked_to_their_fields(live_server, page):
    open_form(page, live_server)
    # When the form is sent empty
    submit(page)
    summary = page.locator("#registration-summary")
    expect(summary).to_be_visible()
    # Then the error summary has the focus and is an alert, with a title that counts the errors
    expect(summary).to_be_focused()
    expect(page.get_by_role("alert")).to_contain_text("Er zijn 6 fouten in het formulier")
    # And it links every error to its field, in the order of the form, with the API's Dutch messages
    links = summary.get_by_role("link")
    assert links.all_inner_texts() == list(EMPTY_FORM_ERRORS.values())
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
        f"#{name}" for name in EMPTY_FORM_ERRORS
    ]
    # And every field is marked invalid and described by its own inline message
    for name, message in EMPTY_FORM_ERRORS.items():
        field = page.locator(f"#{name}")
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"#{name}-error")).to_have_text(f"Fout: {message}")
        expect(field).to_have_accessible_description(re.compile(re.escape(message)))
    # And a link in the summary moves the focus to its field
    summary.get_by_role("link", name=MESSAGES["email.required"]).click()
    assert focused_id(page) == "email"
    assert not page.locator(".reg-submit").is_disabled()
    assert stored(live_server.config) == []


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"email": "geen-adres"}, "email", MESSAGES["email.invalid"]),
        ({"email": "naam@@gemeente.nl"}, "email", MESSAGES["email.invalid"]),
        ({"given_name": "   "}, "given_name", MESSAGES["given_name.required"]),
        ({"family_name": ""}, "family_name", MESSAGES["family_name.required"]),
        (
            {"organisation": "anders", "organisation_other": ""},
            "organisation_other",
            MESSAGES["organisation_other.required"],
        ),
        ({"consent": ""}, "consent", MESSAGES["consent.required"]),
    ],
)
def test_one_wrong_field_gets_its_message_and_keeps_every_value(live_server, page, valid_form, change, field, message):
    form = {**valid_form, **change}
    open_form(page, live_server)
    fill(page, form)
    before = typed_values(page)
    submit(page)
    expect(page.locator("#registration-summary")).to_be_focused()
    expect(page.locator("#registration-summary-title")).to_have_text("Er is 1 fout in het formulier")
    expect(page.locator(f"#{field}-error")).to_have_text(f"Fout: {message}")
    expect(page.locator(f"#{field}")).to_be_visible()
    assert typed_values(page) == before
    assert stored(live_server.config) == []


def test_after_correcting_the_errors_the_registration_goes_through(live_server, page, valid_form):
    open_form(page, live_server)
    fill(page, {**valid_form, "email": "geen-adres"})
    submit(page)
    expect(page.locator("#email-error")).to_be_visible()
    page.locator("#email").fill(valid_form["email"])
    submit(page)
    page.wait_for_url(live_server.url + CONFIRMATION)
    assert len(stored(live_server.config)) == 1


def test_the_other_organisation_field_shows_only_when_it_is_needed(live_server, page, valid_form):
    open_form(page, live_server)
    other = page.get_by_label(re.compile("Naam van uw organisatie"))
    expect(other).to_be_hidden()
    page.locator("#organisation").select_option("anders")
    expect(other).to_be_visible()
    other.fill("Provincie Utrecht")
    page.locator("#organisation").select_option("dcmr")
    expect(other).to_be_hidden()
    # Nothing typed is lost by changing one's mind
    page.locator("#organisation").select_option("anders")
    expect(other).to_have_value("Provincie Utrecht")
    fill(page, {**valid_form, "organisation": "anders", "organisation_other": "Provincie Utrecht"})
    submit(page)
    page.wait_for_url(live_server.url + CONFIRMATION)
    [item] = stored(live_server.config)
    assert item["organisation"] == "Provincie Utrecht"


def test_without_javascript_errors_come_back_on_a_page_that_looks_like_the_site(live_server, page_nojs, valid_form):
    page_nojs.goto(live_server.url + FORM)
    fill(page_nojs, {**valid_form, "email": "geen-adres", "consent": ""})
    before = typed_values(page_nojs)
    submit(page_nojs)
    # Then the function's error page: the title says there is an error, the summary has the focus
    expect(page_nojs).to_have_title(re.compile(r"^Fout: Er zijn 2 fouten in het formulier"))
    expect(page_nojs.locator("#registration-summary")).to_be_focused()
    expect(page_nojs.locator("#registration-summary").get_by_role("link")).to_have_text(
        [MESSAGES["email.invalid"], MESSAGES["consent.required"]]
    )
    expect(page_nojs.locator("#email")).to_have_attribute("aria-invalid", "true")
    # And everything typed is still there
    assert typed_values(page_nojs) == before
    # And it wears the site's stylesheet: the same header colour and visible field borders
    header = page_nojs.locator(".site-header")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(21, 66, 115)"
    assert page_nojs.locator("#email").evaluate("e => getComputedStyle(e).borderTopWidth") == "2px"
    # And correcting the errors there completes the registration
    page_nojs.locator("#email").fill(valid_form["email"])
    page_nojs.locator("#consent").check()
    submit(page_nojs)
    page_nojs.wait_for_url(live_server.url + CONFIRMATION)
    assert len(stored(live_server.config)) == 1


# ---- Nothing typed is lost ---------------------------------------------------------------------------------------


def test_a_second_registration_gets_the_duplicate_message_and_keeps_the_values(live_server, page, valid_form):
    # Given the address is registered already
    first = page.request.post(
        live_server.url + "/api/registrations", data=valid_form, headers={"Origin": live_server.url}
    )
    assert first.status == 201
    open_form(page, live_server)
    fill(page, {**valid_form, "email": valid_form["email"].upper(), "given_name": "Iemand anders"})
    before = typed_values(page)
    # When it is registered again
    submit(page)
    # Then the person is told plainly, with the focus on the message, and nothing typed is gone
    summary = page.locator("#registration-summary")
    expect(summary).to_be_focused()
    expect(page.locator("#registration-summary-title")).to_have_text("U bent al aangemeld")
    expect(page.locator("#registration-summary-message")).to_have_text(
        DuplicateRegistration(contact=load_meeting().contact_email).message
    )
    assert typed_values(page) == before
    [item] = stored(live_server.config)
    assert item["given_name"] == valid_form["given_name"]


def test_a_503_keeps_every_typed_value_and_says_what_to_do(live_server, page, valid_form):
    store_down = error_body(StoreUnavailable.code, StoreUnavailable.message)
    page.route(
        "**/api/registrations", lambda route: route.fulfill(status=503, json=store_down, headers={"Retry-After": "60"})
    )
    open_form(page, live_server)
    form = {**valid_form, "organisation": "anders", "organisation_other": "Provincie Utrecht"}
    fill(page, form)
    before = typed_values(page)
    submit(page)
    expect(page.locator("#registration-summary")).to_be_focused()
    expect(page.locator("#registration-summary-message")).to_have_text(StoreUnavailable.message)
    # Every value is still in the form, including the conditional field, and the button works again
    assert typed_values(page) == before
    assert before["organisation_other"] == "Provincie Utrecht" and before["consent"] == "ja"
    expect(page.get_by_label(re.compile("Naam van uw organisatie"))).to_be_visible()
    expect(page.get_by_role("button", name="Aanmelden")).to_be_enabled()
    # And when the store is back, sending again works
    page.unroute("**/api/registrations")
    submit(page)
    page.wait_for_url(live_server.url + CONFIRMATION)
    assert len(stored(live_server.config)) == 1


def test_a_network_failure_keeps_every_typed_value(live_server, page, valid_form):
    page.route("**/api/registrations", lambda route: route.abort("internetdisconnected"))
    open_form(page, live_server)
    fill(page, valid_form)
    before = typed_values(page)
    submit(page)
    expect(page.locator("#registration-summary")).to_be_focused()
    expect(page.locator("#registration-summary-title")).to_have_text("Uw aanmelding is niet verstuurd")
    expect(page.locator("#registration-summary-message")).to_contain_text("Uw gegevens staan nog in het formulier")
    assert typed_values(page) == before


def test_offline_at_submit_keeps_every_typed_value_and_announces_it_in_the_focused_summary(
    live_server, page, valid_form
):
    # Given a filled form, with the conditional field and a remark, on a browser that then loses its connection
    open_form(page, live_server)
    form = {**valid_form, "organisation": "anders", "organisation_other": "Omgevingsdienst Noord"}
    fill(page, form)
    before = typed_values(page)
    page.context.set_offline(True)
    # When the person sends it
    submit(page)
    # Then the summary has the focus and its alert says, in Dutch, that nothing was sent and the data is still there
    summary = page.locator("#registration-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("alert")).to_contain_text("Uw aanmelding is niet verstuurd")
    expect(page.locator("#registration-summary-message")).to_contain_text("Uw gegevens staan nog in het formulier")
    # And every typed value is kept, the button works again, and nothing reached the store
    assert typed_values(page) == before
    assert before["organisation_other"] == "Omgevingsdienst Noord" and before["remark"] == valid_form["remark"]
    expect(page.get_by_role("button", name="Aanmelden")).to_be_enabled()
    assert stored(live_server.config) == []
    # And back online, the same form is sent as it stands
    page.context.set_offline(False)
    submit(page)
    page.wait_for_url(live_server.url + CONFIRMATION)
    [item] = stored(live_server.config)
    assert (item["organisation"], item["remark"]) == ("Omgevingsdienst Noord", valid_form["remark"])


def test_an_answer_that_is_not_json_still_gets_a_dutch_message(live_server, page, valid_form):
    page.route(
        "**/api/registrations",
        lambda route: route.fulfill(status=502, body="<h1>Bad Gateway</h1>", content_type="text/html"),
    )
    open_form(page, live_server)
    fill(page, valid_form)
    before = typed_values(page)
    submit(page)
    expect(page.locator("#registration-summary-title")).to_have_text("Aanmelden is niet gelukt")
    expect(page.locator("#registration-summary-message")).to_contain_text(EVENT.contact_email)
    assert typed_values(page) == before


def test_the_button_is_disabled_while_sending(live_server, page, valid_form):
    held = []
    page.route("**/api/registrations", lambda route: held.append(route))
    open_form(page, live_server)
    fill(page, valid_form)
    submit(page)
    button = page.locator(".reg-submit")
    expect(button).to_be_disabled()
    expect(button).to_have_text("Uw aanmelding wordt verstuurd …")
    expect(page.get_by_role("status")).to_have_text("Uw aanmelding wordt verstuurd …")
    # A second press sends nothing more
    button.click(force=True)
    assert len(held) == 1
    held[0].continue_()
    page.wait_for_url(live_server.url + CONFIRMATION)
    assert len(stored(live_server.config)) == 1


# ---- Closed ------------------------------------------------------------------------------------------------------


def test_when_the_api_says_closed_the_page_says_so_and_shows_no_form(live_server_factory, page):
    # Given a page built while registration was open, and a function past the deadline (PREVIEW_NOW)
    server = live_server_factory(PREVIEW_NOW=CLOSED_MOMENT)
    open_form(page, server)
    # Then the page says registration is closed, who to contact, and shows no form
    closed = page.locator("#registration-closed")
    expect(closed).to_be_visible()
    expect(closed.get_by_role("heading")).to_have_text("De aanmelding is gesloten")
    expect(closed.get_by_role("link", name=EVENT.contact_email)).to_have_attribute(
        "href", f"mailto:{EVENT.contact_email}"
    )
    expect(page.locator("#registration-form")).to_be_hidden()


def test_without_javascript_the_closed_build_shows_no_form(live_server_factory, closed_site, page_nojs):
    server = live_server_factory(site_dir=closed_site, PREVIEW_NOW=CLOSED_MOMENT)
    page_nojs.goto(server.url + FORM)
    expect(page_nojs.locator("#registration-closed")).to_be_visible()
    expect(page_nojs.locator("#registration-closed")).to_contain_text(EVENT.deadline_text)
    expect(page_nojs.locator("#registration-form")).to_be_hidden()
    # And neither the home page nor the invitation has a button to a form that would fail
    page_nojs.goto(server.url + "/")
    expect(page_nojs.get_by_role("link", name="Meld u aan")).to_have_count(0)
    expect(page_nojs.locator(".reg-meeting--featured")).to_contain_text("De aanmelding is gesloten.")
    page_nojs.goto(server.url + page_path(EVENT.id))
    expect(page_nojs.get_by_role("link", name="Meld u aan")).to_have_count(0)
    expect(page_nojs.locator("#registration-closed")).to_be_visible()


def test_a_closed_build_opens_when_the_api_says_open(live_server_factory, closed_site, page):
    """The API decides: a page built after the deadline shows the form when the function says it is open."""
    server = live_server_factory(site_dir=closed_site)
    open_form(page, server)
    expect(page.locator("#registration-form")).to_be_visible()
    expect(page.locator("#registration-closed")).to_be_hidden()


def test_closing_between_loading_and_sending_keeps_the_values_and_explains(live_server_factory, page, valid_form):
    server = live_server_factory(PREVIEW_NOW=CLOSED_MOMENT)
    # Given the page was loaded while the API still said open
    page.route("**" + FACTS, lambda route: route.fulfill(json={"registration": {"open": True}}))
    open_form(page, server)
    fill(page, valid_form)
    before = typed_values(page)
    submit(page)
    expect(page.locator("#registration-summary-title")).to_have_text("De aanmelding is gesloten")
    expect(page.locator("#registration-summary-message")).to_contain_text(EVENT.contact_email)
    assert typed_values(page) == before


# ---- Keyboard only -----------------------------------------------------------------------------------------------


def test_the_whole_registration_works_with_the_keyboard_alone(live_server, page, valid_form):
    keyboard = page.keyboard
    open_form(page, live_server)
    # The first Tab reaches the skip link, which leads to the content
    keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Ga naar inhoud")
    keyboard.press("Enter")
    order = []

    def tab_to_next() -> str:
        keyboard.press("Tab")
        element_id = focused_id(page)
        order.append(element_id)
        # Every focused field shows a visible focus indicator
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none", element_id
        return element_id

    assert tab_to_next() == "given_name"
    keyboard.type(valid_form["given_name"])
    tab_to_next()
    keyboard.type(valid_form["family_name"])
    tab_to_next()
    keyboard.type(valid_form["email"])
    tab_to_next()
    # A closed select changes with the arrow keys
    for _ in range(40):
        if page.locator("#organisation").input_value() == valid_form["organisation"]:
            break
        keyboard.press("ArrowDown")
    tab_to_next()
    keyboard.press("ArrowDown")
    tab_to_next()
    keyboard.type(valid_form["on_behalf_of"])
    tab_to_next()
    keyboard.type(valid_form["remark"])
    tab_to_next()
    keyboard.press("Space")
    tab_to_next()  # the link to the privacy statement inside the consent label
    tab_to_next()
    assert order == [
        "given_name",
        "family_name",
        "email",
        "organisation",
        "role",
        "on_behalf_of",
        "remark",
        "consent",
        "",
        "",
    ]
    expect(page.locator(":focus")).to_have_text("Aanmelden")
    keyboard.press("Enter")
    page.wait_for_url(live_server.url + CONFIRMATION)
    [item] = stored(live_server.config)
    assert item["organisation_code"] == valid_form["organisation"]
    assert item["role_code"] == "dagelijks-bestuur"
    assert item["remark"] == valid_form["remark"]


# ---- Accessibility of the error and closed states ----------------------------------------------------------------


@pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["390x844", "1280x900"])
def test_the_error_states_have_no_axe_violations(live_server_factory, page, axe, viewport, valid_form):
    page.set_viewport_size(viewport)
    server = live_server_factory()
    # The form with the script's inline errors and summary
    open_form(page, server)
    page.locator("#organisation").select_option("anders")
    submit(page)
    expect(page.locator("#registration-summary")).to_be_focused()
    violations = axe(page)
    assert violations == [], format_violations(violations)
    # The function's own error page (the form posted natively, as without JavaScript)
    page.locator("#registration-form").evaluate("form => form.submit()")
    page.wait_for_load_state()
    expect(page).to_have_title(re.compile("^Fout: "))
    violations = axe(page)
    assert violations == [], format_violations(violations)
    # The closed state
    closed = live_server_factory(PREVIEW_NOW=CLOSED_MOMENT)
    open_form(page, closed)
    expect(page.locator("#registration-closed")).to_be_visible()
    violations = axe(page)
    assert violations == [], format_violations(violations)
