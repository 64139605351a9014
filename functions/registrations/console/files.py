"""Where the console flow reads and writes: the export bucket on AWS, folders under .data/ locally.

- `vervolgmail/`: what staff upload (vervolgmail.toml and the paper files) and the function's controle.txt;
- `gepubliceerd/v<version>/<name>`: the papers as published, written once (S3: If-None-Match) and never again, so a
  file that staff overwrite later in vervolgmail/ never changes what registrants were shown; staff have no right
  there. Deleted with everything else in the bucket when the registrations' retention ends (its lifecycle rule);
- `gepubliceerd/controle-stand.json`: the function's own note of the last check, so that each round can rewrite
  controle.txt with the progress and the check together.
Locally the uploads are in .data/exports/vervolgmail/ and the published copies in .data/gepubliceerd/, owner-only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from ..local.owner_only import private_folder, write_private
from .paper_files import content_type

if TYPE_CHECKING:
    from ..settings import Settings

UPLOAD_PREFIX = "vervolgmail/"
REPORT_NAME = "controle.txt"
REPORT_KEY = UPLOAD_PREFIX + REPORT_NAME
PUBLISHED_PREFIX = "gepubliceerd/"
STATE_KEY = PUBLISHED_PREFIX + "controle-stand.json"
# A presigned download link is made on the click and works this long.
LINK_SECONDS = 300


def published_key(version: int, name: str) -> str:
    return f"{PUBLISHED_PREFIX}v{version:06d}/{name}"


def content_disposition(name: str) -> str:
    """`attachment` with the name as uploaded: an ASCII fallback and the exact name (RFC 6266, RFC 5987)."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


class ConsoleFiles(Protocol):
    """The console flow's files: the uploads in vervolgmail/, controle.txt, its own state, the published copies."""

    def names(self) -> list[str]: ...

    def size(self, name: str) -> int | None: ...

    def read(self, name: str) -> bytes | None: ...

    def write_report(self, text: str) -> None: ...

    def read_state(self) -> dict[str, Any]: ...

    def write_state(self, state: dict[str, Any]) -> None: ...

    def keep_published(self, version: int, name: str, data: bytes) -> None:
        """The published copy; an existing copy of this version is never replaced."""
        ...


class S3ConsoleFiles:
    def __init__(self, client: Any, bucket: str):
        self.client = client
        self.bucket = bucket

    def names(self) -> list[str]:
        names: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=UPLOAD_PREFIX):
            names += [obj["Key"][len(UPLOAD_PREFIX) :] for obj in page.get("Contents", [])]
        return [name for name in names if name and "/" not in name and name != REPORT_NAME]

    def _missing(self, exc: Exception) -> bool:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code")
        return code in ("404", "NoSuchKey", "NotFound")

    def size(self, name: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            return int(self.client.head_object(Bucket=self.bucket, Key=UPLOAD_PREFIX + name)["ContentLength"])
        except ClientError as exc:
            if self._missing(exc):
                return None
            raise

    def _get(self, key: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            body: bytes = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if self._missing(exc):
                return None
            raise
        return body

    def read(self, name: str) -> bytes | None:
        return self._get(UPLOAD_PREFIX + name)

    def write_report(self, text: str) -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=REPORT_KEY, Body=text.encode("utf-8"), ContentType="text/plain; charset=utf-8"
        )

    def read_state(self) -> dict[str, Any]:
        data = self._get(STATE_KEY)
        try:
            state: dict[str, Any] = json.loads(data) if data else {}
        except ValueError:
            return {}
        return state

    def write_state(self, state: dict[str, Any]) -> None:
        body = json.dumps(state, ensure_ascii=False).encode("utf-8")
        self.client.put_object(Bucket=self.bucket, Key=STATE_KEY, Body=body, ContentType="application/json")

    def keep_published(self, version: int, name: str, data: bytes) -> None:
        from botocore.exceptions import ClientError

        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=published_key(version, name),
                Body=data,
                ContentType=content_type(name),
                ContentDisposition=content_disposition(name),
                IfNoneMatch="*",
            )
        except ClientError as exc:
            # Kept already (a repeated event): the first copy stays.
            if exc.response.get("Error", {}).get("Code") not in ("PreconditionFailed", "ConditionalRequestConflict"):
                raise

    def download_link(self, version: int, name: str) -> str:
        url: str = self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": published_key(version, name),
                "ResponseContentDisposition": content_disposition(name),
                "ResponseContentType": content_type(name),
            },
            ExpiresIn=LINK_SECONDS,
        )
        return url


class FolderConsoleFiles:
    """`make run`: uploads in `<exports>/vervolgmail/`, published copies and the state in `<published>/` (make run
    passes .data/exports/ and .data/gepubliceerd/)."""

    def __init__(self, exports: Path, published: Path):
        self.uploads = exports / UPLOAD_PREFIX.rstrip("/")
        self.published = published

    def prepare(self) -> FolderConsoleFiles:
        private_folder(self.uploads.parent)
        private_folder(self.uploads)
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
            state: dict[str, Any] = json.loads((self.published / "controle-stand.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return state

    def write_state(self, state: dict[str, Any]) -> None:
        private_folder(self.published)
        write_private(self.published / "controle-stand.json", json.dumps(state, ensure_ascii=False).encode("utf-8"))

    def path_of(self, version: int, name: str) -> Path:
        return self.published / f"v{version:06d}" / name

    def keep_published(self, version: int, name: str, data: bytes) -> None:
        folder = private_folder(self.published / f"v{version:06d}")
        path = folder / name
        if path.exists():
            return
        write_private(path, data)
        path.chmod(0o400)  # read-only: a published copy is never changed


def s3_files(settings: Settings) -> S3ConsoleFiles | None:
    """The export bucket (EXPORT_BUCKET), or None when there is none (a local run)."""
    if not settings.export_bucket:
        return None
    import boto3

    from ..repository import boto_config

    client = boto3.client(
        "s3", region_name=settings.aws_region, endpoint_url=settings.s3_endpoint, config=boto_config()
    )
    return S3ConsoleFiles(client, settings.export_bucket)


def paper_location_from_settings(settings: Settings) -> Any:
    """Where the personal link's paper route finds a published paper: a presigned link, made on the click. The S3
    client is made on the first click, not at a cold start."""
    if not settings.export_bucket:
        return None
    made: list[S3ConsoleFiles] = []

    def location(version: int, name: str) -> str:
        if not made:
            files = s3_files(settings)
            assert files is not None  # nosec B101 # export_bucket is set
            made.append(files)
        return made[0].download_link(version, name)

    return location
