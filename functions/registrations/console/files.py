"""Where the console flow reads and writes, per meeting: the meeting's folder `<id>/` in the export bucket on AWS
(console/s3_files.py), folders under .data/ locally (here).

- `<id>/vervolgmail/`: what staff upload (vervolgmail.toml and the paper files) and the function's controle.txt;
- `<id>/gepubliceerd/v<version>/<name>`: the papers as published, written once (S3: If-None-Match) and never again,
  so a file that staff overwrite later in vervolgmail/ never changes what registrants were shown; staff have no
  right there. Deleted with everything else in the meeting's folder when its registrations' retention ends (the
  folder's lifecycle rule, infra/template.yaml);
- `<id>/gepubliceerd/controle-stand.json`: the function's own note of the last check, so that each round can rewrite
  controle.txt with the progress and the check together.
Locally the uploads are in .data/exports/<id>/vervolgmail/ and the published copies in .data/gepubliceerd/<id>/,
owner-only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from ..local.owner_only import private_folder, write_private

UPLOAD_FOLDER = "vervolgmail"
REPORT_NAME = "controle.txt"
PUBLISHED_FOLDER = "gepubliceerd"
STATE_NAME = "controle-stand.json"
# A presigned download link is made on the click and works this long.
LINK_SECONDS = 300


def upload_prefix(meeting_id: str) -> str:
    return f"{meeting_id}/{UPLOAD_FOLDER}/"


def report_key(meeting_id: str) -> str:
    return upload_prefix(meeting_id) + REPORT_NAME


def published_prefix(meeting_id: str) -> str:
    return f"{meeting_id}/{PUBLISHED_FOLDER}/"


def state_key(meeting_id: str) -> str:
    return published_prefix(meeting_id) + STATE_NAME


def version_folder(version: int) -> str:
    return f"v{version:06d}"


def published_key(meeting_id: str, version: int, name: str) -> str:
    return f"{published_prefix(meeting_id)}{version_folder(version)}/{name}"


def content_disposition(name: str) -> str:
    """`attachment` with the name as uploaded: an ASCII fallback and the exact name (RFC 6266, RFC 5987)."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


class ConsoleFiles(Protocol):
    """One meeting's console files: the uploads in vervolgmail/, controle.txt, its own state, the published copies."""

    def names(self) -> list[str]: ...

    def size(self, name: str) -> int | None: ...

    def read(self, name: str) -> bytes | None: ...

    def write_report(self, text: str) -> None: ...

    def read_state(self) -> dict[str, Any]: ...

    def write_state(self, state: dict[str, Any]) -> None: ...

    def keep_published(self, version: int, name: str, data: bytes) -> None:
        """The published copy; an existing copy of this version is never replaced."""
        ...


class FolderConsoleFiles:
    """`make run`: one meeting's uploads in `<exports>/<id>/vervolgmail/`, its published copies and state in
    `<published>/<id>/` (make run passes .data/exports/ and .data/gepubliceerd/)."""

    def __init__(self, exports: Path, published: Path, meeting_id: str):
        self.uploads = exports / meeting_id / UPLOAD_FOLDER
        self.published = published / meeting_id

    def prepare(self) -> FolderConsoleFiles:
        for folder in (self.uploads.parent.parent, self.uploads.parent, self.uploads):
            private_folder(folder)
        return self

    def names(self) -> list[str]:
        if not self.uploads.is_dir():
            return []
        return sorted(p.name for p in self.uploads.iterdir() if p.is_file() and p.name != REPORT_NAME)

    def _file(self, name: str) -> Path | None:
        path = self.uploads / name
        return path if name in self.names() else None

    def size(self, name: str) -> int | None:
        path = self._file(name)
        return path.stat().st_size if path else None

    def read(self, name: str) -> bytes | None:
        path = self._file(name)
        return path.read_bytes() if path else None

    def write_report(self, text: str) -> None:
        self.prepare()
        write_private(self.uploads / REPORT_NAME, text.encode("utf-8"))

    def read_state(self) -> dict[str, Any]:
        try:
            state: dict[str, Any] = json.loads((self.published / STATE_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return state

    def write_state(self, state: dict[str, Any]) -> None:
        private_folder(self.published.parent)
        private_folder(self.published)
        write_private(self.published / STATE_NAME, json.dumps(state, ensure_ascii=False).encode("utf-8"))

    def path_of(self, version: int, name: str) -> Path:
        return self.published / version_folder(version) / name

    def keep_published(self, version: int, name: str, data: bytes) -> None:
        private_folder(self.published.parent)
        private_folder(self.published)
        folder = private_folder(self.published / version_folder(version))
        path = folder / name
        if path.exists():
            return
        write_private(path, data)
        path.chmod(0o400)  # read-only: a published copy is never changed
