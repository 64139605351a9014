"""Browser fixtures: one Chromium for the whole run, the site built once, a live server per test.

The contract other browser tests build on (keep these names and meanings):

- ``built_site`` (session): the MkDocs site, built once with ``registrations.local.build_site`` into a temporary
  folder, as at ``OPEN_MOMENT`` (PREVIEW_NOW), so the form page is in its open state.
- ``live_server`` (function): the built site and ``/api`` on one origin, served by waitress in a thread, from
  ``registrations.local.site_and_api(built_site, app)``, with the app and its local deliverer from
  ``registrations.dev.local.app_with_worker(app_config)``, as in `make run`. ``app_config`` (tests/conftest.py)
  gives each test a fresh dynalite table and mail outbox. Attributes: ``.url`` (base URL, no trailing slash) and
  ``.config`` (the app config dict; its SITE_URL is ``.url``, as the origin guard and the emails' links need).
- ``live_server_factory`` (function): ``live_server_factory(PREVIEW_NOW="2023-05-25T08:00", ...)`` starts another
  such server with those config overrides (same table and outbox as ``app_config``); the keyword ``site_dir``
  serves another built site. Every server is stopped at the end of the test.
- ``browser`` (session): Playwright's Chromium (Debian's /usr/bin/chromium, with the flags of the project brief).
- ``page`` (function): a page in a new browser context, viewport 1280x900, JavaScript on, Dutch locale.
- ``page_nojs`` (function): the same with JavaScript disabled.
- ``axe`` (function): ``axe(page)`` runs node_modules/axe-core in the page (evaluated, no network) and returns
  its violations as a list of dicts (empty when there are none); ``format_violations`` makes them readable.
  Use it on a page with JavaScript on: axe needs the page's timers.
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from registrations.dev.local import app_with_worker, build_site, site_and_api
from registrations.local.dynalite import PROJECT_ROOT
from tests.conftest import OPEN_MOMENT

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_SCRIPT = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}
# Short, so a missing element fails a test in seconds instead of half a minute.
TIMEOUT_MS = 5000


def pytest_collection_modifyitems(items):
    # Everything under tests/browser runs in Chromium; `-m "not browser"` leaves it out.
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The site, built once (strict) as at OPEN_MOMENT, so registration is open on the pages."""
    return build_site(tmp_path_factory.mktemp("site") / "site", env={"PREVIEW_NOW": OPEN_MOMENT})


@dataclass
class LiveServer:
    """The built site and /api on one origin (as in `make run`), served by waitress in a thread.

    `make_app(config)` builds the WSGI app once the port is known, with SITE_URL set to this server's address.
    """

    make_app: Callable[[dict[str, Any]], Callable]
    config: dict[str, Any]
    worker: Any = None
    url: str = field(init=False)

    def __post_init__(self) -> None:
        from waitress.server import create_server

        self._server = create_server(_not_ready, host="127.0.0.1", port=0, threads=4)
        self.url = f"http://127.0.0.1:{self._server.effective_port}"
        self.config["SITE_URL"] = self.url
        self._server.application = self.make_app(self.config)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"live-server-{self.url}", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        from waitress import wasyncore

        # Our own loop, so stopping is a flag and every socket is closed in this thread (no ResourceWarning).
        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=0.05, map=self._server._map, use_poll=True, count=1)
        finally:
            self._server.task_dispatcher.shutdown()
            wasyncore.close_all(self._server._map)

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=10)
        if self.worker is not None:
            self.worker.stop()


def _not_ready(environ, start_response):
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"not ready"]


@pytest.fixture
def live_server_factory(built_site, app_config):
    """Start a live server with config overrides: live_server_factory(PREVIEW_NOW=..., site_dir=...)."""
    servers: list[LiveServer] = []

    def start(site_dir: Path | None = None, **overrides: Any) -> LiveServer:
        config = {**app_config, **overrides}
        workers: list[Any] = []

        def make_app(ready: dict[str, Any]) -> Callable:
            # Built once the port (and so SITE_URL) is known; the local deliverer runs beside it, as in make run.
            app, worker = app_with_worker(ready)
            workers.append(worker)
            return site_and_api(site_dir or built_site, app)

        server = LiveServer(make_app, config)
        server.worker = workers[0]
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def live_server(live_server_factory) -> LiveServer:
    """The site and API on one origin, registration open (app_config's PREVIEW_NOW)."""
    return live_server_factory()


@pytest.fixture(scope="session")
def playwright_driver():
    from playwright.sync_api import sync_playwright

    driver = sync_playwright().start()
    yield driver
    driver.stop()


@pytest.fixture(scope="session")
def browser(playwright_driver):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make chromium` (make test does this)")
    chromium = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


def _new_page(browser, **options):
    context = browser.new_context(viewport=DESKTOP, locale="nl-NL", **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


@pytest.fixture
def page(browser):
    """A fresh context per test (no shared cookies or storage), 1280x900, JavaScript on."""
    context, new_page = _new_page(browser)
    yield new_page
    context.close()


@pytest.fixture
def page_nojs(browser):
    """As `page`, with JavaScript disabled: the plain HTML form path."""
    context, new_page = _new_page(browser, java_script_enabled=False)
    yield new_page
    context.close()


@functools.cache
def _axe_source() -> str:
    return AXE_SCRIPT.read_text(encoding="utf-8")


def run_axe(page) -> list[dict]:
    """axe-core's violations on the page as it is now (all rules axe runs by default: WCAG A/AA and best practice).

    The script is evaluated from node_modules, so checking makes no request (and no Content-Security-Policy
    blocks it). axe needs the page's timers: use a page with JavaScript on (a no-JS page looks the same).
    """
    page.evaluate(_axe_source())
    return page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ["violations"]});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary}))
            }));
        }"""
    )


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines += [f"    {node['target']}: {node['summary']}" for node in violation["nodes"]]
    return "\n".join(lines)


@pytest.fixture
def axe() -> Callable[[Any], list[dict]]:
    """axe(page) -> violations (see run_axe)."""
    return run_axe
