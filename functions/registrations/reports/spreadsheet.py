"""The always-current staff spreadsheet: aanmeldingen.xlsx, aanmeldingen.csv and samenvatting.txt in the meeting's
folder (`<id>/` in the private export bucket on AWS, .data/exports/<id>/ locally), refreshed after changes and on the
sweep.

The rows are reports/export.py's, as `registrations export` (active registrations) and `registrations summary` give
them.

Two triggers may run at once (a stream batch and the sweep), so every file carries (reports/spreadsheet_files.py)
the hash of its content and the newest change time of the snapshot it came from. A file is written only when its
content changed, never over a file from a newer snapshot, and only if it is still the version that was read. A
writer that loses that race reads again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..delivery import publication
from ..meeting import Meeting
from ..registration.item import parse_time
from ..repository import RegistrationRepository, StoredRegistration
from ..settings import Settings
from .export import export_rows
from .formats import write_csv, write_xlsx
from .spreadsheet_files import CSV_NAME, SUMMARY_NAME, XLSX_NAME, ExportFile, SpreadsheetFiles, files_from_settings
from .summary import render_summary, summarise

log = logging.getLogger(__name__)

# openpyxl stamps the save time here; everything else in the xlsx follows from the rows.
XLSX_VOLATILE_MEMBERS = frozenset({"docProps/core.xml"})
ATTEMPTS = 3
NO_CHANGE = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Snapshot:
    files: tuple[ExportFile, ...]
    newest_change: dt.datetime  # the newest time stamp on any registration read


@dataclass(frozen=True)
class Published:
    written: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    kept_newer: tuple[str, ...] = ()  # a newer snapshot is already there
    retention_ended: bool = False


def newest_change(items: Iterable[StoredRegistration]) -> dt.datetime:
    """The newest time stamp (any `*_at` attribute) on the registrations: every write sets one."""
    times = [parse_time(value) for item in items for name, value in item.items() if name.endswith("_at")]
    return max(times, default=NO_CHANGE).astimezone(dt.UTC)


def xlsx_content_hash(data: bytes) -> str:
    digest = hashlib.sha256()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in sorted(set(archive.namelist()) - XLSX_VOLATILE_MEMBERS):
            digest.update(name.encode() + b"\0" + hashlib.sha256(archive.read(name)).digest())
    return digest.hexdigest()


def take_snapshot(
    items: list[StoredRegistration], meeting: Meeting, now: dt.datetime | None = None, published: bool | None = None
) -> Snapshot:
    header, rows = export_rows(items)
    xlsx, csv = io.BytesIO(), io.BytesIO()
    write_xlsx(xlsx, header, rows)
    write_csv(csv, header, rows)
    summary = render_summary(summarise(items, meeting, now, published), meeting).encode("utf-8")
    files = (
        ExportFile(XLSX_NAME, xlsx.getvalue(), xlsx_content_hash(xlsx.getvalue())),
        ExportFile(CSV_NAME, csv.getvalue(), hashlib.sha256(csv.getvalue()).hexdigest()),
        ExportFile(SUMMARY_NAME, summary, hashlib.sha256(summary).hexdigest()),
    )
    return Snapshot(files, newest_change(items))


def publish_spreadsheet(
    repository: RegistrationRepository,
    meeting: Meeting,
    files: SpreadsheetFiles,
    now: dt.datetime,
    items: Callable[[], list[StoredRegistration]] | None = None,
) -> Published:
    """Read every registration of the meeting (`items`, when the caller shares its read) and bring the three files
    in the files up to date.

    Nothing is read or written once the retention of the registrations has ended (meeting.expires_at). Errors of the
    table (StoreUnavailable) and of the files (botocore's, OSError) are raised; refresh_spreadsheet catches them.
    """
    if now >= meeting.expires_at:
        return Published(retention_ended=True)
    # The summary's staff alert needs to know whether the follow-up is published.
    has_followup = publication.current(repository, meeting.id) is not None
    registrations = items() if items else list(repository.for_event(meeting.id))
    snapshot = take_snapshot(registrations, meeting, now, has_followup)
    outcome: dict[str, list[str]] = {"written": [], "unchanged": [], "kept_newer": []}
    for file in snapshot.files:
        outcome[_publish_file(files, file, snapshot.newest_change)].append(file.name)
    published = Published(tuple(outcome["written"]), tuple(outcome["unchanged"]), tuple(outcome["kept_newer"]))
    if published.written:
        log.info("spreadsheet for event %s: wrote %s", meeting.id, ", ".join(published.written))
    return published


def _publish_file(files: SpreadsheetFiles, file: ExportFile, changed: dt.datetime) -> str:
    for _ in range(ATTEMPTS):
        stored = files.current(file.name)
        if stored is not None and stored.content_hash == file.content_hash:
            return "unchanged"
        if stored is not None and stored.newest_change > changed:
            return "kept_newer"
        if files.write(file, changed, stored):
            return "written"
    # Lost every race: others are writing right now, from snapshots at least as new; the sweep checks again.
    return "kept_newer"


def refresh_spreadsheet(
    repository: RegistrationRepository,
    meeting: Meeting,
    settings: Settings,
    now: dt.datetime,
    *,
    local_dir: Path | None = None,
    items: Callable[[], list[StoredRegistration]] | None = None,
) -> Published | None:
    """What the triggers call, after a stream batch and on the sweep. Never raises: the files are a convenience,
    and the next sweep tries again. The files are in the meeting's folder of the export bucket (EXPORT_BUCKET), else
    of `local_dir`."""
    files = files_from_settings(settings, meeting.id, local_dir)
    if files is None:
        return None
    # Whatever the table, S3 or the disk said, it must not stop the trigger that called this.
    try:
        return publish_spreadsheet(repository, meeting, files, now, items)
    except Exception as exc:  # noqa: BLE001
        log.warning("spreadsheet for event %s not refreshed: %s", meeting.id, type(exc).__name__)
        return None
