"""Meeting facts for tests: the 2023 meeting's bijeenkomst.toml with gedeeld.toml under it, as one file that
`load_meeting(path)` reads on its own, with some facts set."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from registrations.meeting import FACTS_FILE, SHARED_FILE, default_meetings

# The repository's folder of meetings, and the 2023 meeting's own file.
MEETINGS_ROOT = default_meetings().root
MEETING_FILE = MEETINGS_ROOT / "ibp-vth-2023-06-07" / FACTS_FILE

# Every PENDING_FACTS key filled in, as TOML values.
FILLED = {
    "data_protection_officer_email": '"fg@vng.nl"',
    "accessibility_statement_date": "2023-04-20",
    "accessibility_audit_date": "2023-09-30",
    "accessibility_register_url": '"https://www.toegankelijkheidsverklaring.nl/register/99999"',
}


def meeting_text() -> str:
    """The 2023 meeting's facts and the shared ones as one TOML text: its own keys first, since a key written after
    a [[table]] header (gedeeld.toml's organisations) would belong to that table."""
    own = MEETING_FILE.read_text(encoding="utf-8")
    return own.rstrip("\n") + "\n\n" + (MEETINGS_ROOT / SHARED_FILE).read_text(encoding="utf-8")


def event_file(tmp_path, **values: str):
    """One standalone facts file with the given keys set to the given TOML values (the others as in the repository)."""
    text = meeting_text()
    for key, value in values.items():
        text, count = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", text)
        assert count == 1, key
    path = tmp_path / "event.toml"
    path.write_text(text, encoding="utf-8")
    return path


# A second meeting for tests of several meetings: the letter's meeting a year on, with its own title.
SECOND_ID = "ibp-vth-2024-06-07"
SECOND_TITLE = "Tweede netwerkbijeenkomst IBP VTH"


def meetings_copy(tmp_path: Path) -> Path:
    """A copy of the repository's meetings (facts and pages), to add meetings to."""
    root = tmp_path / "bijeenkomsten"
    shutil.copytree(MEETINGS_ROOT, root)
    return root


def add_second_meeting(root: Path, meeting_id: str = SECOND_ID, year: str = "2024") -> Path:
    """A meeting folder as `make new-meeting` leaves it once rewritten: the letter's facts with every date in `year`,
    its own title and no old addresses, and the letter's pages (their placeholders give this meeting's facts)."""
    letter = MEETING_FILE.parent
    text = MEETING_FILE.read_text(encoding="utf-8").replace(f'id = "{letter.name}"', f'id = "{meeting_id}"')
    text = text.replace("2023-", f"{year}-").replace("old_addresses = true", "old_addresses = false")
    text = re.sub(r'(?m)^title = ".*"$', f'title = "{SECOND_TITLE}"', text)
    folder = root / meeting_id
    folder.mkdir()
    (folder / FACTS_FILE).write_text(text, encoding="utf-8")
    for page in ("index.md", "achtergrond.md"):
        shutil.copy(letter / page, folder / page)
    return folder
