"""The always-current staff spreadsheet: aanmeldingen.xlsx, aanmeldingen.csv and samenvatting.txt in a store (the
private export bucket on AWS, .data/exports/ locally), refreshed after changes and on the sweep.

The format is reports/export.py's, as `registrations export` (active registrations) and `registrations summary` give it.

Two triggers may run at once (a stream batch and the sweep), so every file carries, as S3 object metadata (locally
in a state file), the hash of its content and the newest change time of the snapshot it came from. A file is written
only when its content changed, never over a file from a newer snapshot, and only if it is still the version that was
read (S3: If-Match on the ETag read, If-None-Match for a new key). A writer that loses that race reads again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import logging
import os
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..delivery import publication
from ..local.owner_only import FILE_MODE, private_folder, write_private
from ..meeting import Meeting
from ..registration.item import parse_time
from ..repository import RegistrationRepository, StoredRegistration
from ..settings import Settings
from .export import export_rows, write_csv, write_xlsx
from .summary import render_summary, summarise

log = logging.getLogger(__name__)

XLSX_KEY, CSV_KEY, SUMMARY_KEY = "aanmeldingen.xlsx", "aanmeldingen.csv", "samenvatting.txt"
# The stable keys: the bucket policy, the function's role and the staff policy name exactly these.
EXPORT_KEYS = (XLSX_KEY, CSV_KEY, SUMMARY_KEY)
CONTENT_TYPES = {
    XLSX_KEY: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    CSV_KEY: "text/csv; charset=utf-8",
    SUMMARY_KEY: "text/plain; charset=utf-8",
}
HASH_METADATA, CHANGED_METADATA = "content-sha256", "newest-change"
# openpyxl stamps the save time here; everything else in the xlsx follows from the rows.
XLSX_VOLATILE_MEMBERS = frozenset({"docProps/core.xml"})
ATTEMPTS = 3
NO_CHANGE = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class ExportFile:
    key: str
    data: bytes
    content_hash: str


@dataclass(frozen=True)
class Snapshot:
    files: tuple[ExportFile, ...]
    newest_change: dt.datetime  # the newest time stamp on any registration read


@dataclass(frozen=True)
class Stored:
    """What a store holds under a key: its content hash, newest change and version (S3's ETag)."""

    content_hash: str
    newest_change: dt.datetime
    version: str


@dataclass(frozen=True)
class Published:
    written: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    kept_newer: tuple[str, ...] = ()  # a newer snapshot is already there
    retention_ended: bool = False


class SpreadsheetStore(Protocol):
    def current(self, key: str) -> Stored | None: ...

    def write(self, file: ExportFile, newest_change: dt.datetime, replacing: Stored | None) -> bool:
        """Store the file if the key still holds `replacing` (None: nothing); False when another writer was first."""
        ...


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
    items: list[StoredRegistration], event: Meeting, now: dt.datetime | None = None, published: bool | None = None
) -> Snapshot:
    header, rows = export_rows(items)
    xlsx, csv = io.BytesIO(), io.BytesIO()
    write_xlsx(xlsx, header, rows)
    write_csv(csv, header, rows)
    summary = render_summary(summarise(items, event, now, published), event).encode("utf-8")
    files = (
        ExportFile(XLSX_KEY, xlsx.getvalue(), xlsx_content_hash(xlsx.getvalue())),
        ExportFile(CSV_KEY, csv.getvalue(), hashlib.sha256(csv.getvalue()).hexdigest()),
        ExportFile(SUMMARY_KEY, summary, hashlib.sha256(summary).hexdigest()),
    )
    return Snapshot(files, newest_change(items))


def publish_spreadsheet(
    repository: RegistrationRepository, event: Meeting, store: SpreadsheetStore, now: dt.datetime
) -> Published:
    """Read every registration of the event and bring the three files in the store up to date.

    Nothing is read or written once the retention of the registrations has ended (event.expires_at). Errors of the
    table (StoreUnavailable) and of the store (botocore's, OSError) are raised; refresh_spreadsheet catches them.
    """
    if now >= event.expires_at:
        return Published(retention_ended=True)
    # The summary's staff alert needs to know whether the follow-up is published.
    has_followup = publication.current(repository, event.id) is not None
    snapshot = take_snapshot(list(repository.for_event(event.id)), event, now, has_followup)
    outcome: dict[str, list[str]] = {"written": [], "unchanged": [], "kept_newer": []}
    for file in snapshot.files:
        outcome[_publish_file(store, file, snapshot.newest_change)].append(file.key)
    published = Published(tuple(outcome["written"]), tuple(outcome["unchanged"]), tuple(outcome["kept_newer"]))
    if published.written:
        log.info("spreadsheet for event %s: wrote %s", event.id, ", ".join(published.written))
    return published


def _publish_file(store: SpreadsheetStore, file: ExportFile, changed: dt.datetime) -> str:
    for _ in range(ATTEMPTS):
        stored = store.current(file.key)
        if stored is not None and stored.content_hash == file.content_hash:
            return "unchanged"
        if stored is not None and stored.newest_change > changed:
            return "kept_newer"
        if store.write(file, changed, stored):
            return "written"
    # Lost every race: others are writing right now, from snapshots at least as new; the sweep checks again.
    return "kept_newer"


def refresh_spreadsheet(
    repository: RegistrationRepository,
    event: Meeting,
    settings: Settings,
    now: dt.datetime,
    *,
    local_dir: Path | None = None,
) -> Published | None:
    """What the triggers call, after a stream batch and on the sweep. Never raises: the files are a convenience,
    and the next sweep tries again. The store is the export bucket (EXPORT_BUCKET), else `local_dir`."""
    store = store_from_settings(settings, local_dir)
    if store is None:
        return None
    # Whatever the table, S3 or the disk said, it must not stop the trigger that called this.
    try:
        return publish_spreadsheet(repository, event, store, now)
    except Exception as exc:  # noqa: BLE001
        log.warning("spreadsheet for event %s not refreshed: %s", event.id, type(exc).__name__)
        return None


def store_from_settings(settings: Settings, local_dir: Path | None = None) -> SpreadsheetStore | None:
    if settings.export_bucket:
        import boto3

        from ..repository import boto_config

        client = boto3.client(
            "s3", region_name=settings.aws_region, endpoint_url=settings.s3_endpoint, config=boto_config()
        )
        return S3Store(client, settings.export_bucket)
    return FolderStore(local_dir) if local_dir is not None else None


class S3Store:
    """The private export bucket: fixed keys, content hash and newest change as object metadata."""

    def __init__(self, client: Any, bucket: str):
        self.client = client
        self.bucket = bucket

    def current(self, key: str) -> Stored | None:
        from botocore.exceptions import ClientError

        try:
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        metadata = head.get("Metadata", {})
        return Stored(metadata.get(HASH_METADATA, ""), parse_time(metadata.get(CHANGED_METADATA)), head["ETag"])

    def write(self, file: ExportFile, newest_change: dt.datetime, replacing: Stored | None) -> bool:
        from botocore.exceptions import ClientError

        condition = {"IfNoneMatch": "*"} if replacing is None else {"IfMatch": replacing.version}
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=file.key,
                Body=file.data,
                ContentType=CONTENT_TYPES[file.key],
                ContentDisposition=f'attachment; filename="{file.key}"',
                Metadata={HASH_METADATA: file.content_hash, CHANGED_METADATA: newest_change.isoformat()},
                **condition,
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("PreconditionFailed", "ConditionalRequestConflict"):
                return False
            raise
        return True


class FolderStore:
    """A local folder (.data/exports/ for `make run`): owner-only, with the hashes in a hidden state file."""

    STATE = ".spreadsheet-state.json"

    def __init__(self, folder: Path):
        self.folder = folder

    def _state(self) -> dict[str, dict[str, str]]:
        try:
            state: dict[str, dict[str, str]] = json.loads((self.folder / self.STATE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return state

    def current(self, key: str) -> Stored | None:
        entry = self._state().get(key)
        if entry is None or not (self.folder / key).is_file():
            return None
        return Stored(entry["hash"], parse_time(entry["newest_change"]), entry["hash"])

    def write(self, file: ExportFile, newest_change: dt.datetime, replacing: Stored | None) -> bool:
        private_folder(self.folder)
        with self._locked():
            stored = self.current(file.key)
            if (stored.version if stored else None) != (replacing.version if replacing else None):
                return False
            write_private(self.folder / file.key, file.data)
            state = self._state()
            state[file.key] = {"hash": file.content_hash, "newest_change": newest_change.isoformat()}
            write_private(self.folder / self.STATE, json.dumps(state, indent=1).encode("utf-8"))
        return True

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        # flock excludes other processes and other threads alike (each opens the lock file itself).
        import fcntl

        fd = os.open(self.folder / ".lock", os.O_WRONLY | os.O_CREAT, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)
