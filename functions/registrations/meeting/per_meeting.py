"""One thing per meeting (its mailers, its deliverer, its pages' services), built when that meeting is first needed.

Every folder is read at the start (catalogue.py), but nothing is built for a meeting until a request, a record or a
sweep is for it: a start with twenty folders builds what it builds with one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from .catalogue import Meetings
from .facts import Meeting

T = TypeVar("T")


class PerMeeting(Generic[T]):
    def __init__(self, meetings: Meetings, build: Callable[[Meeting], T]):
        self.meetings = meetings
        self._build = build
        self._built: dict[str, T] = {}
        # The local server answers from several threads: a meeting's parts are built once.
        self._lock = threading.Lock()

    def get(self, meeting_id: object) -> T | None:
        """The meeting's T; None for anything that is not the id of one of the meetings."""
        meeting = self.meetings.get(meeting_id) if isinstance(meeting_id, str) else None
        return self.of(meeting) if meeting is not None else None

    def of(self, meeting: Meeting) -> T:
        with self._lock:
            built = self._built.get(meeting.id)
            if built is None:
                built = self._built[meeting.id] = self._build(meeting)
            return built

    def built(self) -> tuple[str, ...]:
        """The ids of the meetings built so far (the cold-start test counts them)."""
        with self._lock:
            return tuple(self._built)
