"""A second meeting added as a folder, and nothing else: in a temporary copy of docs/bijeenkomsten/ (MEETINGS_DIR),
no code touched. The local stack (`make run`'s app, worker and console flow, on dynalite) registers for both, sends
each meeting's confirmation and follow-up only to its own registrants, writes each meeting's spreadsheet, and the
site built from the same folder shows both on the home page."""

from __future__ import annotations

import re
import time
from pathlib import Path

import openpyxl
import pytest

from registrations.dev.local import app_with_worker, build_site
from tests.conftest import OPEN_MOMENT, own_page_client
from tests.console_support import PDF, code_in, content, docx, drop
from tests.event_files import FACTS_FILE, SECOND_TITLE, add_second_meeting, meetings_copy
from tests.mailbox import messages

LETTER = "ibp-vth-2023-06-07"
SECOND = "ibp-vth-2023-06-21"
TEAMS = {
    LETTER: "https://teams.microsoft.com/l/meetup-join/eerste",
    SECOND: "https://teams.microsoft.com/l/meetup-join/tweede",
}


def wait_for(condition, ceiling: float = 45.0):
    """Poll until the condition holds; the ceiling only bounds a failing test."""
    deadline = time.monotonic() + ceiling
    while not (found := condition()):
        if time.monotonic() > deadline:
            raise AssertionError("the local stack did not get there")
        time.sleep(0.1)
    return found


@pytest.fixture
def meetings(tmp_path) -> Path:
    """The repository's meetings and a second one, two weeks after the letter's, open for registration at the same
    moment (OPEN_MOMENT): a folder as `make new-meeting` leaves it once rewritten."""
    root = meetings_copy(tmp_path)
    folder = add_second_meeting(root, SECOND, year="2023")
    facts = folder / FACTS_FILE
    text = facts.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^date = .*$", "date = 2023-06-21", text)
    text = re.sub(r"(?m)^last_registration_day = .*$", "last_registration_day = 2023-06-14", text)
    facts.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def stack(app_config, meetings):
    config = {**app_config, "MEETINGS_DIR": str(meetings)}
    app, worker = app_with_worker(config, interval=0.2)
    try:
        yield app, config
    finally:
        worker.stop()


def form(email: str, meeting: str, valid_form) -> dict:
    return {**valid_form, "email": email, "meeting": meeting}


def to(message) -> str:
    """The address the message went to (its To header holds the name too)."""
    return str(message["To"].addresses[0].addr_spec).lower()


def test_a_second_meeting_as_a_folder_runs_beside_the_first(stack, valid_form, tmp_path, meetings):
    app, config = stack
    data = Path(config["MAIL_OUTBOX"]).parent
    client = own_page_client(app)
    people = {LETTER: "eerste@gemeente.example", SECOND: "tweede@gemeente.example"}
    for meeting, email in people.items():
        assert client.post("/api/registrations", json=form(email, meeting, valid_form)).status_code == 201

    # Each registrant's confirmation names their own meeting.
    sent = wait_for(lambda: len(messages(config["MAIL_OUTBOX"])) >= 2 and messages(config["MAIL_OUTBOX"]))
    confirmations = {to(m): m for m in sent}
    assert set(confirmations) == set(people.values())
    second_text = confirmations[people[SECOND]].get_body(("plain",)).get_content()
    assert "21 juni 2023" in second_text and "7 juni 2023" not in second_text
    assert "7 juni 2023" in confirmations[people[LETTER]].get_body(("plain",)).get_content()

    # The follow-up of each meeting, dropped into its own folder, reaches its own registrant only.
    for meeting in (LETTER, SECOND):
        folder = data / "exports" / meeting / "vervolgmail"
        drop(folder, "agenda.pdf", PDF)
        drop(folder, "Notitie robuustheid (concept).docx", docx())
        drop(folder, "vervolgmail.toml", content(TEAMS[meeting]))
        report = folder / "controle.txt"
        wait_for(lambda report=report: report.exists() and "versturen = " in report.read_text(encoding="utf-8"))
        drop(folder, "vervolgmail.toml", content(TEAMS[meeting], code=code_in(report.read_text(encoding="utf-8"))))
    followups = wait_for(
        lambda: (
            [m for m in messages(config["MAIL_OUTBOX"]) if "teams.microsoft.com" in str(m)]
            if len([m for m in messages(config["MAIL_OUTBOX"]) if "teams.microsoft.com" in str(m)]) >= 2
            else None
        )
    )
    for meeting, email in people.items():
        [own] = [m for m in followups if to(m) == email]
        other = TEAMS[SECOND if meeting == LETTER else LETTER]
        assert TEAMS[meeting] in str(own) and other not in str(own)
    time.sleep(1)  # a late duplicate would arrive within the worker's next rounds
    assert len([m for m in messages(config["MAIL_OUTBOX"]) if "teams.microsoft.com" in str(m)]) == 2

    # Each meeting's spreadsheet holds its own registrant only.
    for meeting, email in people.items():
        sheet = data / "exports" / meeting / "aanmeldingen.xlsx"
        wait_for(sheet.exists)
        rows = [[str(c or "") for c in row] for row in openpyxl.load_workbook(sheet).active.iter_rows(values_only=True)]
        cells = " ".join(" ".join(row) for row in rows).lower()
        assert email in cells and people[SECOND if meeting == LETTER else LETTER] not in cells

    # The site built from the same folder shows both meetings on the home page.
    site = build_site(tmp_path / "site", env={"MEETINGS_DIR": str(meetings), "PREVIEW_NOW": OPEN_MOMENT})
    home = (site / "index.html").read_text(encoding="utf-8")
    assert SECOND_TITLE in home and "Bestuurlijke netwerkbijeenkomst IBP VTH" in home
    assert f"/bijeenkomsten/{SECOND}/" in home and f"/bijeenkomsten/{LETTER}/" in home
    assert (site / "bijeenkomsten" / SECOND / "aanmelden" / "index.html").is_file()
