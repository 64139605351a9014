"""The built site satisfies the Content-Security-Policy of infra/template.yaml, in real Chromium.

The built site and the API are served on one local origin (registrations.local.site_and_api, on dynalite) with
exactly the headers CloudFront's response headers policies add, per path (tests/browser/production.py). Every built page is visited at a phone and a
desktop width, the registration form is sent with JavaScript (the site's own script, whatever it does) and without
(the function's error page), and any CSP violation (securitypolicyviolation event or console report) fails.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from deploy.infra import build_site, load_template, response_headers
from registrations.meeting import load_meeting, page_path

from .conftest import CHROMIUM, CHROMIUM_ARGS
from .production import production_like

FORM = page_path(load_meeting().id, "aanmelden/")

pytestmark = pytest.mark.browser

VIEWPORTS = [{"width": 390, "height": 844}, {"width": 1280, "height": 900}]
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(
  `${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber} ${e.sample}`));
"""


def page_urls(site_dir: Path) -> list[str]:
    """Every built page by the URL a visitor uses (directory URLs for index.html)."""
    urls = []
    for page in sorted(site_dir.rglob("*.html")):
        relative = page.relative_to(site_dir).as_posix()
        urls.append("/" + relative.removesuffix("index.html"))
    return urls


@pytest.fixture(scope="module")
def csp_headers():
    return response_headers(load_template())


@pytest.fixture(scope="module")
def served_site(dynalite, tmp_path_factory):
    """The site as `make publish` builds it now (the real clock: a held meeting has no form)."""
    root = tmp_path_factory.mktemp("csp")
    with production_like(dynalite, build_site(root / "site"), root / "data") as server:
        yield server.url, server.site_dir


@pytest.fixture(scope="module")
def open_site(dynalite, built_site, tmp_path_factory):
    """The site built while registration is open (conftest's built_site), for the form."""
    with production_like(dynalite, built_site, tmp_path_factory.mktemp("csp-open") / "data") as server:
        yield server.url, server.site_dir


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Watch:
    """A page that remembers every CSP violation it sees, by page URL."""

    def __init__(self, browser, viewport):
        self.context = browser.new_context(viewport=viewport)
        self.context.add_init_script(RECORD_VIOLATIONS)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"{self.page.url}: script error {error}"))

    def _console(self, message):
        text = message.text
        if "Content Security Policy" in text:
            self.problems.append(f"{self.page.url}: {text}")

    def settle(self) -> None:
        self.page.wait_for_load_state("networkidle")
        recorded = self.page.evaluate("window.__cspViolations")
        assert recorded is not None, f"{self.page.url}: the violation recorder did not run"
        self.problems += [f"{self.page.url}: {line}" for line in recorded]

    def close(self) -> None:
        self.context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v['width']}px")
def test_every_built_page_runs_without_a_csp_violation(browser, served_site, csp_headers, viewport):
    base, site_dir = served_site
    urls = page_urls(site_dir) + ["/deze-pagina-bestaat-niet/"]
    assert "/" in urls and FORM in urls
    watch = Watch(browser, viewport)
    try:
        for url in urls:
            response = watch.page.goto(base + url)
            # The headers reach the browser as CloudFront sends them.
            assert response.headers["content-security-policy"] == dict(csp_headers)["Content-Security-Policy"]
            watch.settle()
    finally:
        watch.close()
    assert watch.problems == []


def fill(page, fields: dict[str, str]) -> None:
    """Fill the registration form by field name, whatever kind of control each field is."""
    for name, value in fields.items():
        control = page.locator(f"form [name='{name}']").first
        if control.count() == 0:
            continue
        kind = control.evaluate("el => el.tagName.toLowerCase() === 'select' ? 'select' : (el.type || '')")
        if kind == "select":
            control.select_option(value)
        elif kind in ("checkbox", "radio"):
            page.locator(f"form [name='{name}'][value='{value}']").check()
        elif value:
            control.fill(value)


def test_sending_the_form_with_javascript_causes_no_csp_violation(browser, open_site, valid_form):
    base, _ = open_site
    watch = Watch(browser, VIEWPORTS[1])
    try:
        watch.page.goto(base + FORM)
        watch.settle()
        fill(watch.page, {**valid_form, "email": f"csp-{uuid.uuid4().hex[:8]}@gemeente.example"})
        # Whatever the page does with it (its own fetch, or the browser's form post and redirect), the
        # registration reaches the API and is accepted.
        with watch.page.expect_response(
            lambda r: r.url.endswith("/api/registrations") and r.request.method == "POST"
        ) as sent:
            watch.page.locator("form button[type='submit']").click()
        assert sent.value.status in (201, 303)
        if sent.value.status == 303:
            watch.page.wait_for_url("**" + sent.value.headers["location"])
        else:
            # The page script goes on to the confirmation page itself.
            watch.page.wait_for_url("**/aanmelden/bevestiging/**")
        watch.settle()
    finally:
        watch.close()
    assert watch.problems == []


def test_the_error_page_of_a_form_sent_without_javascript_causes_no_csp_violation(browser, open_site, valid_form):
    base, _ = open_site
    watch = Watch(browser, VIEWPORTS[0])
    try:
        watch.page.goto(base + FORM)
        fill(watch.page, {**valid_form, "email": "geen-adres"})
        # form.submit() sends the form as a browser without JavaScript would, past any script's submit handler.
        with watch.page.expect_navigation():
            watch.page.evaluate("document.querySelector('form[method=post]').submit()")
        assert watch.page.url.endswith("/api/registrations")
        assert watch.page.locator("[aria-invalid='true']").count() >= 1
        watch.settle()
    finally:
        watch.close()
    assert watch.problems == []
