"""Reading a meeting's bijeenkomst.toml: every fact typed and checked, so that a wrong file stops the function at
its start (and `make run`, the site build and the staff command) with a message that names the file and the fact.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .facts import OTHER_ORGANISATION, Choice, Meeting
from .schedule import ReminderError, load_reminders

MAX_REASON_LENGTH = 300


class MeetingFileError(ValueError):
    """A meeting's facts are missing one or state one that cannot be right (the message names file and fact)."""


def load_meeting(path: Path | None = None, shared: dict[str, Any] | None = None) -> Meeting:
    """The meeting `path` describes, with `shared` (gedeeld.toml) under its own facts; without a path, the meeting
    of the old addresses in the default folder (catalogue.py). MeetingFileError names the file and the fact."""
    if path is None:
        from .catalogue import default_meetings

        return default_meetings().letter_meeting
    try:
        own = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise MeetingFileError(f"{path}: missing or malformed fact: {exc}") from exc
    return meeting_of(path, own, shared)


def meeting_of(path: Path, own: dict[str, Any], shared: dict[str, Any] | None = None) -> Meeting:
    """The meeting of `own` (the parsed facts of `path`) with `shared` under them; errors name `path`."""
    try:
        meeting = _meeting_from({**(shared or {}), **own})
        _check(meeting)
    except (MeetingFileError, ReminderError) as exc:
        raise MeetingFileError(f"{path}: {exc}") from exc
    except (KeyError, TypeError) as exc:
        raise MeetingFileError(f"{path}: missing or malformed fact: {exc}") from exc
    return meeting


def _meeting_from(raw: dict[str, Any]) -> Meeting:
    tz = ZoneInfo(raw["timezone"])
    day: dt.date = raw["date"]
    starts_at = dt.datetime.combine(day, raw["start"], tzinfo=tz)
    letter_date = _date(raw, "letter_date")
    cancelled, reason = _cancellation(raw)
    return Meeting(
        id=raw["id"],
        title=raw["title"],
        subtitle=raw["subtitle"],
        organiser=raw["organiser"],
        signatory=raw["signatory"],
        timezone=tz,
        starts_at=starts_at,
        ends_at=dt.datetime.combine(day, raw["end"], tzinfo=tz),
        location=raw["location"],
        last_registration_day=raw["last_registration_day"],
        contact_email=raw["contact_email"],
        retention_days=int(raw["retention_days"]),
        organisations=_choices(raw["organisations"], "organisations"),
        roles=_choices(raw["roles"], "roles"),
        data_protection_officer_email=_pending_text(raw, "data_protection_officer_email"),
        accessibility_statement_date=_pending_date(raw, "accessibility_statement_date"),
        accessibility_audit_date=_pending_date(raw, "accessibility_audit_date"),
        accessibility_register_url=_pending_text(raw, "accessibility_register_url"),
        letter_date=letter_date,
        reminders=load_reminders(raw, starts_at, letter_date, tz),
        cancelled=cancelled,
        cancelled_reason=reason,
        old_addresses=_flag(raw, "old_addresses"),
    )


def _check(meeting: Meeting) -> None:
    """The rules between facts, which no single fact's type can hold."""
    if not meeting.starts_at < meeting.ends_at:
        raise MeetingFileError("the meeting must end after it starts")
    if not meeting.registration_closes_at <= meeting.starts_at:
        raise MeetingFileError("registration must close before the meeting starts")
    if meeting.retention_days <= 0:
        raise MeetingFileError("retention_days must be positive")
    if meeting.data_protection_officer_email is not None and "@" not in meeting.data_protection_officer_email:
        raise MeetingFileError("data_protection_officer_email must be an email address")
    url = meeting.accessibility_register_url
    if url is not None and not url.startswith("https://"):
        raise MeetingFileError("accessibility_register_url must start with https://")


def _date(raw: dict[str, Any], key: str) -> dt.date:
    """A TOML date (2023-04-06), not a date-time."""
    value = raw[key]
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise TypeError(f"{key} must be a date (2023-04-06)")
    return value


def _flag(raw: dict[str, Any], key: str) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise MeetingFileError(f"{key}: must be true or false")
    return value


def _choices(raw: list[dict[str, Any]], what: str) -> tuple[Choice, ...]:
    choices = tuple(Choice(str(item["value"]), str(item["label"])) for item in raw)
    values = [c.value for c in choices]
    if not choices or len(set(values)) != len(values) or OTHER_ORGANISATION in values and what == "organisations":
        raise MeetingFileError(f"{what} must be a non-empty list with unique values")
    return choices


def _pending_text(raw: dict[str, Any], key: str) -> str | None:
    """A pending fact: "" (or left out) while unknown, else text."""
    value = raw.get(key, "")
    if value == "":
        return None
    if not isinstance(value, str) or not value.strip():
        raise TypeError(f"{key} must be empty or a text")
    return value


def _pending_date(raw: dict[str, Any], key: str) -> dt.date | None:
    """A pending fact: "" (or left out) while unknown, else a TOML date."""
    value = raw.get(key, "")
    if value == "":
        return None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise TypeError(f"{key} must be empty or a date (2023-05-01)")
    return value


def _cancellation(raw: dict[str, Any]) -> tuple[bool, str]:
    """`cancelled = true` needs a short reason (`cancelled_reason`), which every notice shows."""
    cancelled = raw.get("cancelled", False)
    if not isinstance(cancelled, bool):
        raise MeetingFileError("cancelled: must be true or false")
    reason = raw.get("cancelled_reason", "")
    if not isinstance(reason, str):
        raise MeetingFileError("cancelled_reason: must be a text")
    reason = " ".join(reason.split())
    if cancelled and not reason:
        raise MeetingFileError("cancelled_reason: a cancelled meeting needs a short reason, which the notices show")
    if len(reason) > MAX_REASON_LENGTH:
        raise MeetingFileError(f"cancelled_reason: at most {MAX_REASON_LENGTH} characters")
    if reason and not reason.endswith((".", "!", "?")):
        reason += "."
    return cancelled, reason if cancelled else ""
