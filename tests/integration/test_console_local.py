"""`make run`'s console flow: a vervolgmail.toml dropped into .data/exports/<id>/vervolgmail/ is picked up as the
upload event picks it up on AWS, and the local deliverer's rounds write the progress into controle.txt; one dropped
anywhere else is refused beside it (dynalite)."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest

from registrations.dev.local import app_with_worker
from tests.conftest import own_page_client
from tests.console_support import PDF, StandInPublications, code_in, content, docx, drop

LETTER = "ibp-vth-2023-06-07"


def wait_for(condition, ceiling: float = 30.0):
    """Poll until the condition holds; the ceiling only bounds a failing test."""
    deadline = time.monotonic() + ceiling
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the local worker did not get there")
        time.sleep(0.05)


@pytest.fixture
def running(app_config):
    publications = StandInPublications()
    app, worker = app_with_worker(app_config, interval=0.2, publications=publications)
    try:
        yield app, worker, publications
    finally:
        worker.stop()


def test_a_dropped_file_is_checked_published_with_its_code_and_its_progress_shown(running, app_config, valid_form):
    app, worker, publications = running
    assert own_page_client(app).post("/api/registrations", json=valid_form).status_code == 201
    folder = Path(app_config["MAIL_OUTBOX"]).parent / "exports" / LETTER / "vervolgmail"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    drop(folder, "agenda.pdf", PDF)
    drop(folder, "Notitie robuustheid (concept).docx", docx())
    drop(folder, "vervolgmail.toml", content())
    report = folder / "controle.txt"
    wait_for(lambda: report.exists() and "versturen = " in report.read_text(encoding="utf-8"))
    assert "nu 1 aangemelde deelnemer." in report.read_text(encoding="utf-8")
    assert publications.published == []
    code = code_in(report.read_text(encoding="utf-8"))
    checks = worker.uploads.checks
    # Papers and controle.txt itself start no check; only the content file does
    drop(folder, "extra.pdf", PDF)
    time.sleep(1.5)
    assert worker.uploads.checks == checks
    drop(folder, "vervolgmail.toml", content(code=code))
    wait_for(lambda: publications.published)
    wait_for(lambda: "Versie 1 is gepubliceerd" in report.read_text(encoding="utf-8"))
    wait_for(lambda: "Stand van het versturen (bijgewerkt" in report.read_text(encoding="utf-8"))
    kept = Path(app_config["MAIL_OUTBOX"]).parent / "gepubliceerd" / LETTER / "v000001" / "agenda.pdf"
    assert kept.read_bytes() == PDF
    assert stat.S_IMODE(report.stat().st_mode) == 0o600


def test_a_file_left_from_an_earlier_run_is_no_upload(app_config):
    folder = Path(app_config["MAIL_OUTBOX"]).parent / "exports" / LETTER / "vervolgmail"
    drop(folder, "vervolgmail.toml", content(code="AAAAA-BBBBB"))
    publications = StandInPublications()
    app, worker = app_with_worker(app_config, interval=0.2, publications=publications)
    try:
        time.sleep(1.5)
        assert worker.uploads.checks == 0 and not (folder / "controle.txt").exists()
        # Saved again: now it is checked
        drop(folder, "vervolgmail.toml", content())
        wait_for(lambda: worker.uploads.checks == 1)
    finally:
        worker.stop()


def test_a_file_dropped_into_the_old_folder_or_another_is_refused_beside_it_and_nothing_is_published(
    running, app_config
):
    app, worker, publications = running
    exports = Path(app_config["MAIL_OUTBOX"]).parent / "exports"
    for folder in (exports / "vervolgmail", exports / "onbekend" / "vervolgmail"):
        drop(folder, "agenda.pdf", PDF)
        drop(folder, "vervolgmail.toml", content(code="AAAAA-BBBBB"))
        report = folder / "controle.txt"
        wait_for(lambda report=report: report.exists())
        assert "DIT BESTAND STAAT IN DE VERKEERDE MAP" in report.read_text(encoding="utf-8")
        assert stat.S_IMODE(report.stat().st_mode) == 0o600
    assert publications.published == []
    assert not (exports / LETTER / "vervolgmail" / "controle.txt").exists()
