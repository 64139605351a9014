"""Browser fixtures: a minimal stand-in with the same names and contract as the site's (issue 3 owns this file).

built_site (session), live_server (.url without trailing slash, .config with MAIL_OUTBOX; a fresh table and
outbox per test; the built site and /api on one origin), live_server_factory(**config_overrides), browser
(session, Debian's Chromium), page (JavaScript on, 1280x900), page_nojs (JavaScript off).
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from registrations import create_app
from registrations.local import build_site, free_port, local_config, prepare_table, site_and_api
from registrations.repository import dynamodb_resource
from tests.conftest import OPEN_MOMENT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run"]


@dataclass
class LiveServer:
    url: str
    config: dict


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("site"))


@pytest.fixture
def live_server_factory(dynalite, built_site, tmp_path):
    started = []

    def start(**config_overrides) -> LiveServer:
        port = free_port()
        config = local_config(dynalite, table=f"browser-{uuid.uuid4().hex[:12]}",
                              data_dir=tmp_path / f"data-{len(started)}", port=port)
        config["PREVIEW_NOW"] = OPEN_MOMENT
        config.update(config_overrides)
        prepare_table(config)
        server = make_server("127.0.0.1", port, site_and_api(built_site, create_app(config)), threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        started.append((server, thread, config))
        return LiveServer(url=f"http://127.0.0.1:{port}", config=config)

    yield start
    for server, thread, config in started:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        dynamodb_resource(config["AWS_REGION"], config["DYNAMODB_ENDPOINT"]).Table(config["REGISTRATIONS_TABLE"]).delete()


@pytest.fixture
def live_server(live_server_factory):
    return live_server_factory()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _page(browser, java_script_enabled: bool):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL",
                                  java_script_enabled=java_script_enabled)
    return context, context.new_page()


@pytest.fixture
def page(browser):
    context, new_page = _page(browser, True)
    yield new_page
    context.close()


@pytest.fixture
def page_nojs(browser):
    context, new_page = _page(browser, False)
    yield new_page
    context.close()
