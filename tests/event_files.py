"""event.toml copies for tests: the repository's file with some of the facts VNG still has to supply set."""

from __future__ import annotations

import re

from registrations.meeting import MEETING_FILE

# Every PENDING_FACTS key filled in, as TOML values.
FILLED = {
    "data_protection_officer_email": '"fg@vng.nl"',
    "accessibility_statement_date": "2023-04-20",
    "accessibility_audit_date": "2023-09-30",
    "accessibility_register_url": '"https://www.toegankelijkheidsverklaring.nl/register/99999"',
}


def event_file(tmp_path, **values: str):
    """event.toml with the given keys set to the given TOML values (the others as in the repository)."""
    text = MEETING_FILE.read_text(encoding="utf-8")
    for key, value in values.items():
        text, count = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", text)
        assert count == 1, key
    path = tmp_path / "event.toml"
    path.write_text(text, encoding="utf-8")
    return path
