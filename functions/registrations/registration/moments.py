"""A moment as a person reads it in Dutch: '7 juni 2023 om 10.15 uur', in the meeting's time zone. The personal
page (web/personal.py) and controle.txt (console/controle.py) both say times this way."""

from __future__ import annotations

import datetime as dt

from ..meeting import Meeting, dutch_date
from .item import read_time


def moment_text(moment: dt.datetime | str | None, meeting: Meeting) -> str:
    """A moment, or a stored time (registration/item.read_time). A stored text that is not a time is shown as it
    is; no time at all is ""."""
    if not isinstance(moment, dt.datetime):
        stored = read_time(moment)
        if stored is None:
            return moment or ""
        moment = stored
    local = moment.astimezone(meeting.timezone)
    return f"{dutch_date(local.date())} om {local:%H.%M} uur"
