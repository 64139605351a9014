"""The preview clock that a test or a benchmark can move: a file only the local runner reads, never a route.

`make run PREVIEW_NOW=...` freezes the clock. To move it without a restart (to let the stale-claim time pass, or a
reminder come due), write an ISO time into `.data/preview-now`: from then on the local app and its deliverer read
that moment instead, and deleting the file goes back to PREVIEW_NOW. Nothing on Lambda reads it, and no request can
write it.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from zoneinfo import ZoneInfo

from ..settings import Clock

log = logging.getLogger(__name__)
FILE_NAME = "preview-now"


class FileClock:
    def __init__(self, path: Path, fallback: Clock, timezone: ZoneInfo):
        self.path = path
        self.fallback = fallback
        self.timezone = timezone
        self._seen: tuple[int, dt.datetime] | None = None

    def __call__(self) -> dt.datetime:
        try:
            stamp = self.path.stat().st_mtime_ns
        except OSError:
            return self.fallback()
        if self._seen is not None and self._seen[0] == stamp:
            return self._seen[1]
        try:
            moment = dt.datetime.fromisoformat(self.path.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            log.warning("%s holds no ISO time: the preview clock stays as it was", self.path.name)
            return self._seen[1] if self._seen else self.fallback()
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.timezone)
        self._seen = (stamp, moment)
        return moment
