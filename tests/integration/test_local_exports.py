"""make run keeps the staff spreadsheet in .data/exports/<id>/ current, as the function does in the meeting's folder
of the export bucket."""

from __future__ import annotations

import stat
import time
from pathlib import Path

from registrations.dev.local import app_with_worker
from registrations.reports.spreadsheet_files import EXPORT_NAMES
from tests.conftest import own_page_client


def test_the_local_worker_writes_the_three_files_owner_only_shortly_after_a_change(app_config, valid_form):
    app, worker = app_with_worker(app_config, interval=60)
    try:
        assert own_page_client(app).post("/api/registrations", json=valid_form).status_code == 201
        exports = Path(app_config["MAIL_OUTBOX"]).parent / "exports"
        folder = exports / "ibp-vth-2023-06-07"
        deadline = time.monotonic() + 30  # a ceiling for a failing test only: the worker runs after the answer
        while not all((folder / name).exists() for name in EXPORT_NAMES):
            assert time.monotonic() < deadline, sorted(str(p) for p in exports.rglob("*"))
            time.sleep(0.05)
    finally:
        worker.stop()
    assert "j.vanthoff@gemeente.example" in (folder / "aanmeldingen.csv").read_text(encoding="utf-8-sig")
    assert stat.S_IMODE(exports.stat().st_mode) == 0o700 and stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE((folder / name).stat().st_mode) for name in EXPORT_NAMES} == {0o600}
    # Nothing at the top of .data/exports/ but the meetings' folders
    assert [p.name for p in exports.iterdir() if not p.name.startswith(".")] == [folder.name]
