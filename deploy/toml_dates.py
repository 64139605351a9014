"""Moving every date of a TOML text by a number of days, in the text itself: comments and layout stay as they are.

A value is a date when it starts like one (2023-06-07, 2023-06-06T10:00:00, 2023-06-06 10:00:00+02:00) outside
strings and comments, right after `=`, `[` or `,`. Moving it by whole days changes only its first ten characters.
"""

from __future__ import annotations

import datetime as dt
import re

DATE_VALUE = re.compile(r"\d{4}-\d{2}-\d{2}(?!\d)")
# The statements' dates are site-wide facts (gedeeld.toml once meetings are folders), not a meeting's: they stay.
SHARED_DATES = ("accessibility_statement_date", "accessibility_audit_date")


def _string_end(text: str, start: int) -> int:
    """Where the TOML string that opens at `start` ends (the text is valid TOML: tomllib read it first)."""
    quote = text[start]
    delimiter = quote * 3 if text.startswith(quote * 3, start) else quote
    at = start + len(delimiter)
    while not text.startswith(delimiter, at):
        at += 2 if quote == '"' and text[at] == "\\" else 1
    at += len(delimiter)
    while len(delimiter) == 3 and text.startswith(quote, at):  # """a""""" ends in quotes of its own
        at += 1
    return at


def date_positions(text: str) -> list[int]:
    """Where each date or date-time value starts: outside strings and comments, right after `=`, `[` or `,`."""
    found, at, last = [], 0, ""
    while at < len(text):
        char = text[at]
        if char == "#":
            newline = text.find("\n", at)
            at = len(text) if newline < 0 else newline
            continue
        if char in "\"'":
            at, last = _string_end(text, at), char
            continue
        if char.isdigit() and last in ("=", "[", ",") and DATE_VALUE.match(text, at):
            line = text[text.rfind("\n", 0, at) + 1 : at]
            if not re.match(rf"\s*(?:{'|'.join(SHARED_DATES)})\s*=", line):
                found.append(at)
        if not char.isspace():
            last = char
        at += 1
    return found


def shift_dates(text: str, days: int) -> str:
    """`text` with every date value (but SHARED_DATES) moved by `days`."""
    for at in reversed(date_positions(text)):
        day = dt.date.fromisoformat(text[at : at + 10]) + dt.timedelta(days=days)
        text = text[:at] + day.isoformat() + text[at + 10 :]
    return text
