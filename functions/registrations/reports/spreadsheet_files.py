"""Where the staff spreadsheet's files are kept (reports/spreadsheet.py), per meeting: its folder `<id>/` in the
private export bucket on AWS, `<local folder>/<id>/` for `make run`. Each keeps, beside every file, its content hash and the newest change of the snapshot
it came from, and writes a file only if it still holds the version that was read (S3: If-Match on the ETag read,
If-None-Match for a new key; the folder: a lock and a hidden state file)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..local.owner_only import FILE_MODE, private_folder, write_private
from ..registration.item import parse_time
from ..settings import Settings

XLSX_NAME, CSV_NAME, SUMMARY_NAME = "aanmeldingen.xlsx", "aanmeldingen.csv", "samenvatting.txt"
# The stable names in each meeting's folder: the function's role and the staff policy name `*/<name>` exactly.
EXPORT_NAMES = (XLSX_NAME, CSV_NAME, SUMMARY_NAME)
CONTENT_TYPES = {
    XLSX_NAME: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    CSV_NAME: "text/csv; charset=utf-8",
    SUMMARY_NAME: "text/plain; charset=utf-8",
}
HASH_METADATA, CHANGED_METADATA = "content-sha256", "newest-change"


@dataclass(frozen=True)
class ExportFile:
    name: str
    data: bytes
    content_hash: str


@dataclass(frozen=True)
class Stored:
    """What is under a name: its content hash, newest change and version (S3's ETag)."""

    content_hash: str
    newest_change: dt.datetime
    version: str


class SpreadsheetFiles(Protocol):
    def current(self, name: str) -> Stored | None: ...

    def write(self, file: ExportFile, newest_change: dt.datetime, replacing: Stored | None) -> bool:
        """Store the file if the name still holds `replacing` (None: nothing); False when another writer was first."""
        ...


def files_from_settings(settings: Settings, meeting_id: str, local_dir: Path | None = None) -> SpreadsheetFiles | None:
    """The meeting's folder in the export bucket (EXPORT_BUCKET), else in `local_dir`, else None."""
    if settings.export_bucket:
        import boto3

        from ..repository import boto_config

        client = boto3.client(
            "s3", region_name=settings.aws_region, endpoint_url=settings.s3_endpoint, config=boto_config()
        )
        return S3SpreadsheetFiles(client, settings.export_bucket, meeting_id)
    return FolderSpreadsheetFiles(local_dir, meeting_id) if local_dir is not None else None


class S3SpreadsheetFiles:
    """The meeting's folder in the private export bucket: fixed names, content hash and newest change as object
    metadata."""

    def __init__(self, client: Any, bucket: str, meeting_id: str):
        self.client = client
        self.bucket = bucket
        self.folder = f"{meeting_id}/"

    def current(self, name: str) -> Stored | None:
        from botocore.exceptions import ClientError

        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.folder + name)
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
                Key=self.folder + file.name,
                Body=file.data,
                ContentType=CONTENT_TYPES[file.name],
                ContentDisposition=f'attachment; filename="{file.name}"',
                Metadata={HASH_METADATA: file.content_hash, CHANGED_METADATA: newest_change.isoformat()},
                **condition,
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("PreconditionFailed", "ConditionalRequestConflict"):
                return False
            raise
        return True


class FolderSpreadsheetFiles:
    """A local folder (.data/exports/<id>/ for `make run`): owner-only, with the hashes in a hidden state file."""

    STATE = ".spreadsheet-state.json"

    def __init__(self, root: Path, meeting_id: str):
        self.root = root
        self.folder = root / meeting_id

    def _state(self) -> dict[str, dict[str, str]]:
        try:
            state: dict[str, dict[str, str]] = json.loads((self.folder / self.STATE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return state

    def current(self, name: str) -> Stored | None:
        entry = self._state().get(name)
        if entry is None or not (self.folder / name).is_file():
            return None
        return Stored(entry["hash"], parse_time(entry["newest_change"]), entry["hash"])

    def write(self, file: ExportFile, newest_change: dt.datetime, replacing: Stored | None) -> bool:
        private_folder(self.root)
        private_folder(self.folder)
        with self._locked():
            stored = self.current(file.name)
            if (stored.version if stored else None) != (replacing.version if replacing else None):
                return False
            write_private(self.folder / file.name, file.data)
            state = self._state()
            state[file.name] = {"hash": file.content_hash, "newest_change": newest_change.isoformat()}
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
