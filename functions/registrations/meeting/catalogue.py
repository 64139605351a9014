"""Every meeting the site and the function serve: one folder each, `<id>/bijeenkomst.toml`, beside `gedeeld.toml`
(what every meeting shares). In the repository the folders are docs/bijeenkomsten/ (they hold the pages too);
the Lambda zip and the staff wheel carry their facts as registrations/meetings/ (deploy/package.py, deploy/wheel.py).

Every folder is read and checked at the start, so a wrong one stops the function, the site build and the staff
command with a message that names the folder and the key. Reading 20 small files costs a few milliseconds; what is
built per meeting (mailers, deliverers) is built when that meeting is first needed.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .facts import PENDING_FACTS, Meeting
from .loading import MeetingFileError, meeting_of

SHARED_FILE = "gedeeld.toml"
FACTS_FILE = "bijeenkomst.toml"
# A meeting's id is its folder's name and a part of its addresses: lower case, digits and hyphens.
MEETING_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}\Z")
PACKAGED = Path(__file__).resolve().parent.parent / "meetings"
IN_REPOSITORY = Path(__file__).resolve().parents[3] / "docs" / "bijeenkomsten"
# The statements (privacy, accessibility) are the site's: their facts are stated once, in gedeeld.toml.
SITE_ONLY = frozenset(PENDING_FACTS)


def meetings_dir(env: Mapping[str, str] = os.environ) -> Path:
    """MEETINGS_DIR when set (tests, a preview of a new meeting); else the facts packaged with the code (the zip,
    the wheel); else the repository's docs/bijeenkomsten/."""
    if env.get("MEETINGS_DIR"):
        return Path(env["MEETINGS_DIR"])
    return PACKAGED if PACKAGED.is_dir() else IN_REPOSITORY


@dataclass(frozen=True)
class Meetings:
    """The meetings of one folder, in the order they start."""

    root: Path
    meetings: tuple[Meeting, ...]
    shared: Mapping[str, Any]

    @classmethod
    def load(cls, root: Path) -> Meetings:
        shared = _shared(root)
        folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
        meetings = tuple(sorted((_meeting(folder, shared) for folder in folders), key=lambda m: m.starts_at))
        if not meetings:
            raise MeetingFileError(f"{root}: no meeting folder (<id>/{FACTS_FILE})")
        with_old = [m.id for m in meetings if m.old_addresses]
        if len(with_old) > 1:
            raise MeetingFileError(f"{root}: old_addresses: only one meeting can have them, not {', '.join(with_old)}")
        return cls(root, meetings, shared)

    @classmethod
    def of(cls, meeting: Meeting) -> Meetings:
        """A catalogue of this one meeting (delivery/deliverers.py: the deliverers of a test that wires one)."""
        return cls(Path(), (meeting,), {})

    def __iter__(self) -> Iterator[Meeting]:
        return iter(self.meetings)

    def __len__(self) -> int:
        return len(self.meetings)

    def with_meeting(self, meeting: Meeting) -> Meetings:
        """These meetings with `meeting` in place of the one with its id (or beside them): a test's moved or
        called-off meeting, served at every address of that meeting."""
        others = (m for m in self.meetings if m.id != meeting.id)
        return replace(self, meetings=tuple(sorted((*others, meeting), key=lambda m: m.starts_at)))

    def get(self, meeting_id: str) -> Meeting | None:
        return next((m for m in self.meetings if m.id == meeting_id), None)

    @property
    def letter_meeting(self) -> Meeting:
        """The meeting the old addresses (/aanmelden/, /api/event) lead to; the first one when none has them."""
        return next((m for m in self.meetings if m.old_addresses), self.meetings[0])

    def featured(self, now: dt.datetime) -> Meeting:
        """What the home page leads with: the meeting open for registration (the soonest), else the next one to
        start, else the last one held."""
        open_now = [m for m in self.meetings if m.is_registration_open(now)]
        if open_now:
            return open_now[0]
        upcoming = [m for m in self.meetings if not m.has_started(now)]
        return upcoming[0] if upcoming else self.meetings[-1]

    def within_retention(self, now: dt.datetime) -> tuple[Meeting, ...]:
        """The meetings whose registrations are still kept: every email they owe is still owed."""
        return tuple(m for m in self.meetings if now < m.expires_at)


@functools.cache
def _load_default(root: Path) -> Meetings:
    return Meetings.load(root)


def default_meetings(env: Mapping[str, str] = os.environ) -> Meetings:
    """The meetings of `meetings_dir()`, read once per process."""
    return _load_default(meetings_dir(env))


def _shared(root: Path) -> dict[str, Any]:
    path = root / SHARED_FILE
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise MeetingFileError(f"{path}: not valid TOML: {exc}") from exc


def _meeting(folder: Path, shared: dict[str, Any]) -> Meeting:
    path = folder / FACTS_FILE
    if not MEETING_ID.match(folder.name):
        raise MeetingFileError(f"{folder}: a meeting's folder is its id: lower-case letters, digits and hyphens")
    if not path.is_file():
        raise MeetingFileError(f"{folder}: {FACTS_FILE} is missing")
    try:
        own = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise MeetingFileError(f"{path}: not valid TOML: {exc}") from exc
    stray = sorted(SITE_ONLY & own.keys())
    if stray:
        raise MeetingFileError(f"{path}: {', '.join(stray)}: the statements' facts belong in {SHARED_FILE}")
    if own.get("id") != folder.name:
        raise MeetingFileError(f"{path}: id: must be the folder's name, {folder.name!r}")
    # Parsed once: the checks above and the facts below read the same table.
    return meeting_of(path, own, shared)
