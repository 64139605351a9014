"""The preview clock a test or benchmark can move through a file. No I/O beyond a temporary folder."""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

from registrations.dev.clock_file import FileClock

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
FROZEN = dt.datetime(2023, 5, 10, 10, 0, tzinfo=AMSTERDAM)


def test_the_file_moves_the_frozen_clock_and_removing_it_goes_back(tmp_path):
    path = tmp_path / "preview-now"
    clock = FileClock(path, lambda: FROZEN, AMSTERDAM)
    assert clock() == FROZEN
    path.write_text("2023-05-10T10:11", encoding="utf-8")
    assert clock() == dt.datetime(2023, 5, 10, 10, 11, tzinfo=AMSTERDAM)
    path.write_text("2023-06-06T10:05:00+02:00", encoding="utf-8")
    os.utime(path, ns=(1, 2))  # a new stamp, as a later write has
    assert clock() == dt.datetime(2023, 6, 6, 10, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    path.write_text("geen tijd", encoding="utf-8")
    os.utime(path, ns=(3, 4))
    assert clock().minute == 5  # an unreadable file keeps the last moment
    path.unlink()
    assert clock() == FROZEN
