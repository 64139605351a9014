"""The event facts at the two starts: the site build and the function's start fail fast on bad facts, and a
called-off meeting is stated plainly on the built pages, with registration closed.

Each case runs in a copy of the site's and the function's sources with its own facts (the 2023 meeting's
bijeenkomst.toml, gedeeld.toml beside it), so the real files are never touched: the hook and the function both read
docs/bijeenkomsten/ in the copy, as they read the folders in the repository.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from registrations.local.dynalite import PROJECT_ROOT

IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc")


def project_copy(tmp_path: Path, **values: str) -> Path:
    root = tmp_path / "project"
    for name in ("docs", "overrides"):
        shutil.copytree(PROJECT_ROOT / name, root / name, ignore=IGNORED)
    shutil.copytree(PROJECT_ROOT / "functions" / "registrations", root / "functions" / "registrations", ignore=IGNORED)
    shutil.copy(PROJECT_ROOT / "mkdocs.yml", root / "mkdocs.yml")
    meetings = root / "docs" / "bijeenkomsten"
    for key, value in values.items():
        for facts in (meetings / "ibp-vth-2023-06-07" / "bijeenkomst.toml", meetings / "gedeeld.toml"):
            text, count = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", facts.read_text(encoding="utf-8"))
            if count:
                facts.write_text(text, encoding="utf-8")
                break
        else:
            raise AssertionError(key)
    return root


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(root / "functions"), **(env or {})}
    return subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, *args], cwd=root, env=environment, capture_output=True, text=True, timeout=120, check=False
    )


FUNCTION_START = (
    "from registrations import create_app, create_deliverer\n"
    "config = {'REGISTRATIONS_TABLE': 't', 'AWS_REGION': 'eu-central-1', 'TOKEN_SECRET': 's', 'MAIL_OUTBOX': 'o'}\n"
    "create_app(config)\n"
    "create_deliverer(config)\n"
    "print('started')\n"
)


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"reminders": "[2023-06-08T10:00:00]"}, "reminders[0]"),
        ({"reminders": '["1 hour before", "60 minutes before"]'}, "reminders[1]"),
        ({"cancelled": "true"}, "cancelled_reason"),
    ],
)
def test_bad_facts_stop_the_site_build_and_the_function_start(tmp_path, values, named):
    root = project_copy(tmp_path, **values)
    build = run(root, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(tmp_path / "site"))
    assert build.returncode != 0
    assert named in build.stderr
    assert not (tmp_path / "site" / "index.html").exists()
    start = run(root, "-c", FUNCTION_START)
    assert start.returncode != 0 and "started" not in start.stdout
    assert "MeetingFileError" in start.stderr and named in start.stderr


def test_good_facts_start_the_function(tmp_path):
    root = project_copy(tmp_path, reminders="[]")
    start = run(root, "-c", FUNCTION_START)
    assert start.returncode == 0, start.stderr
    assert "started" in start.stdout


def test_a_called_off_meeting_is_stated_on_the_site_and_registration_is_closed(tmp_path):
    reason = "De stuurgroep heeft het besluit uitgesteld"
    root = project_copy(tmp_path, cancelled="true", cancelled_reason=f'"{reason}"')
    site = tmp_path / "site"
    build = run(
        root,
        "-m",
        "mkdocs",
        "build",
        "--strict",
        "--quiet",
        "--site-dir",
        str(site),
        env={"PREVIEW_NOW": "2023-05-10T10:00"},
    )
    assert build.returncode == 0, build.stderr
    meeting = site / "bijeenkomsten" / "ibp-vth-2023-06-07"
    for page in ("index.html", "achtergrond/index.html", "aanmelden/index.html", "aanmelden/bevestiging/index.html"):
        html = (meeting / page).read_text(encoding="utf-8")
        assert "De bijeenkomst gaat niet door." in html, page
        assert reason in html, page
    form_page = (meeting / "aanmelden" / "index.html").read_text(encoding="utf-8")
    # Registration is closed although the deadline has not passed: the form's block is hidden, the notice shown.
    assert re.search(r'id="registration-open"[^>]*hidden', form_page)
    assert not re.search(r'id="registration-closed"[^>]*hidden', form_page)
    assert "<h2>De bijeenkomst gaat niet door</h2>" in form_page
    # The home page leads with it, says it is called off and why, and offers no registration
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "gaat niet door." in home and reason in home
    assert 'class="reg-button"' not in home


def _without_background(meetings: Path) -> None:
    (meetings / "ibp-vth-2023-06-07" / "achtergrond.md").unlink()


def _unknown_placeholder(meetings: Path) -> None:
    with (meetings / "ibp-vth-2023-06-07" / "index.md").open("a", encoding="utf-8") as page:
        page.write("\nOp {{ event.datum }}.\n")


def _copied_form_page(meetings: Path) -> None:
    (meetings / "ibp-vth-2023-06-07" / "aanmelden").mkdir()
    (meetings / "ibp-vth-2023-06-07" / "aanmelden" / "index.md").write_text("# Aanmelden\n", encoding="utf-8")


def _folder_without_facts(meetings: Path) -> None:
    (meetings / "nog-geen-feiten").mkdir()
    (meetings / "nog-geen-feiten" / "index.md").write_text("# Later\n", encoding="utf-8")


def _two_meetings_with_one_id(meetings: Path) -> None:
    shutil.copytree(meetings / "ibp-vth-2023-06-07", meetings / "ibp-vth-2024-06-07")


def _page_outside_a_meeting(meetings: Path) -> None:
    (meetings / "los.md").write_text("# Los\n", encoding="utf-8")


@pytest.mark.parametrize(
    ("spoil", "named"),
    [
        (_without_background, ["docs/bijeenkomsten/ibp-vth-2023-06-07: achtergrond.md is missing"]),
        (
            _unknown_placeholder,
            ["docs/bijeenkomsten/ibp-vth-2023-06-07/index.md: unknown placeholder {{ event.datum }}"],
        ),
        (_copied_form_page, ["ibp-vth-2023-06-07/aanmelden/index.md", "overrides/meeting_pages/aanmelden.md"]),
        (_folder_without_facts, ["docs/bijeenkomsten/nog-geen-feiten: bijeenkomst.toml is missing"]),
        (_two_meetings_with_one_id, ["ibp-vth-2024-06-07/bijeenkomst.toml: id: must be the folder's name"]),
        (_page_outside_a_meeting, ["docs/bijeenkomsten/los.md: a page in", "belongs in a meeting's folder"]),
    ],
    ids=lambda value: value.__name__.strip("_") if callable(value) else "",
)
def test_a_wrong_meeting_folder_stops_the_site_build_naming_the_folder_and_the_file(tmp_path, spoil, named):
    root = project_copy(tmp_path)
    spoil(root / "docs" / "bijeenkomsten")
    build = run(root, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(tmp_path / "site"))
    assert build.returncode != 0
    for text in named:
        assert text in build.stderr, build.stderr
    # Said plainly: the message, not a traceback
    assert "Traceback" not in build.stderr
    assert not (tmp_path / "site" / "index.html").exists()
