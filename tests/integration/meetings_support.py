"""Two meetings in a temporary MEETINGS_DIR (a copy of docs/bijeenkomsten/ and the 2023 meeting a year on), for the
tests of the function serving every meeting (test_meetings.py, test_meetings_delivered.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from boto3.dynamodb.conditions import Key

from tests.doubles import RecordingSender
from tests.unit.test_meeting_catalogue import LETTER, SECOND, add_meeting, copy_of_meetings

__all__ = ["LETTER", "SECOND", "form", "meetings_root", "registrations", "sent"]


def meetings_root(tmp_path: Path) -> Path:
    """The repository's meetings and a second one, a year later (7 June 2024), without the old addresses."""
    root = copy_of_meetings(tmp_path)
    add_meeting(root)
    return root


def form(email: str, meeting: str | None = None, **changes: str) -> dict[str, str]:
    fields = {
        "given_name": "Jan-Willem",
        "family_name": "van 't Hoff",
        "email": email,
        "organisation": "regio-utrecht",
        "role": "dagelijks-bestuur",
        "consent": "ja",
        **changes,
    }
    return {**fields, "meeting": meeting} if meeting is not None else fields


def registrations(table: Any, meeting_id: str) -> dict[str, dict[str, Any]]:
    """The meeting's stored registrations, by address."""
    items = table.query(KeyConditionExpression=Key("event").eq(meeting_id), ConsistentRead=True)["Items"]
    return {item["email"]: item for item in items}


def sent(sender: RecordingSender) -> list[tuple[str, str]]:
    """(meeting tag, recipient) of every email sent: the SES tag `event` names the meeting."""
    return [(tags.get("event", ""), recipient) for recipient, tags in sender.sent]
