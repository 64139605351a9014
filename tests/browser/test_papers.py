"""The papers on the personal page in real Chromium: listed once published, no axe violations, and a click on one
downloads it under the name it was uploaded with."""

from __future__ import annotations

from pathlib import Path

import pytest

from registrations.delivery.publication import PublishedPaper, publish
from registrations.local.owner_only import private_folder, write_private
from registrations.repository import RegistrationRepository, dynamodb_resource
from tests.console_support import PDF, TEAMS

from .conftest import format_violations, run_axe
from .test_personal_page import EVENT_ID, OPEN, register

pytestmark = pytest.mark.browser

NAME = "Agenda 7 juni (concept).pdf"


@pytest.fixture
def open_server(live_server_factory):
    return live_server_factory(PREVIEW_NOW=OPEN)


def published(server) -> None:
    """Version 1 with a file and a link, as the console flow publishes it (its copy under .data/gepubliceerd/<id>/)."""
    config = server.config
    folder = private_folder(Path(config["MAIL_OUTBOX"]).parent / "gepubliceerd" / EVENT_ID / "v000001")
    write_private(folder / NAME, PDF)
    table = dynamodb_resource(config["AWS_REGION"], config["DYNAMODB_ENDPOINT"]).Table(config["REGISTRATIONS_TABLE"])
    papers = [PublishedPaper("Agenda", file=NAME), PublishedPaper("Achtergrond", url="https://vng.nl/achtergrond")]
    publish(RegistrationRepository(table), EVENT_ID, TEAMS, papers, "CODE", "2023-05-10T10:00:00+02:00", 1_900_000_000)


def test_the_papers_are_listed_accessible_and_download_under_their_own_name(open_server, page):
    path = register(open_server)
    published(open_server)
    page.goto(open_server.url + path)
    section = page.get_by_role("heading", name="De stukken voor de bijeenkomst")
    assert section.is_visible()
    violations = run_axe(page)
    assert violations == [], format_violations(violations)
    with page.expect_download() as info:
        page.get_by_role("link", name="Agenda", exact=True).click()
    download = info.value
    assert download.suggested_filename == NAME
    assert Path(download.path()).read_bytes() == PDF
    papers = page.locator(".reg-papers")
    assert papers.get_by_role("link", name="Achtergrond").get_attribute("href") == "https://vng.nl/achtergrond"
