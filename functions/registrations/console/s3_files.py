"""One meeting's console files in the export bucket, under its folder `<id>/` (console/files.py has the layout), and
the presigned links to its published papers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .files import (
    LINK_SECONDS,
    REPORT_NAME,
    content_disposition,
    published_key,
    report_key,
    state_key,
    upload_prefix,
)
from .paper_files import content_type

if TYPE_CHECKING:
    from ..settings import Settings


def _missing(exc: Exception) -> bool:
    code = getattr(exc, "response", {}).get("Error", {}).get("Code")
    return code in ("404", "NoSuchKey", "NotFound")


def put_report(client: Any, bucket: str, key: str, text: str) -> None:
    """A controle.txt at `key`: the meeting's own, or the refusal beside an upload in the wrong folder."""
    client.put_object(Bucket=bucket, Key=key, Body=text.encode("utf-8"), ContentType="text/plain; charset=utf-8")


class S3ConsoleFiles:
    def __init__(self, client: Any, bucket: str, meeting_id: str):
        self.client = client
        self.bucket = bucket
        self.meeting_id = meeting_id
        self.prefix = upload_prefix(meeting_id)

    def names(self) -> list[str]:
        names: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
            names += [obj["Key"][len(self.prefix) :] for obj in page.get("Contents", [])]
        return [name for name in names if name and "/" not in name and name != REPORT_NAME]

    def size(self, name: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            return int(self.client.head_object(Bucket=self.bucket, Key=self.prefix + name)["ContentLength"])
        except ClientError as exc:
            if _missing(exc):
                return None
            raise

    def _get(self, key: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            body: bytes = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        return body

    def read(self, name: str) -> bytes | None:
        return self._get(self.prefix + name)

    def write_report(self, text: str) -> None:
        put_report(self.client, self.bucket, report_key(self.meeting_id), text)

    def read_state(self) -> dict[str, Any]:
        data = self._get(state_key(self.meeting_id))
        try:
            state: dict[str, Any] = json.loads(data) if data else {}
        except ValueError:
            return {}
        return state

    def write_state(self, state: dict[str, Any]) -> None:
        body = json.dumps(state, ensure_ascii=False).encode("utf-8")
        self.client.put_object(
            Bucket=self.bucket, Key=state_key(self.meeting_id), Body=body, ContentType="application/json"
        )

    def keep_published(self, version: int, name: str, data: bytes) -> None:
        from botocore.exceptions import ClientError

        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=published_key(self.meeting_id, version, name),
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
                "Key": published_key(self.meeting_id, version, name),
                "ResponseContentDisposition": content_disposition(name),
                "ResponseContentType": content_type(name),
            },
            ExpiresIn=LINK_SECONDS,
        )
        return url


def s3_client(settings: Settings) -> Any:
    import boto3

    from ..repository import boto_config

    return boto3.client("s3", region_name=settings.aws_region, endpoint_url=settings.s3_endpoint, config=boto_config())


def s3_files(settings: Settings, meeting_id: str) -> S3ConsoleFiles | None:
    """The meeting's folder in the export bucket (EXPORT_BUCKET), or None when there is none (a local run)."""
    if not settings.export_bucket:
        return None
    return S3ConsoleFiles(s3_client(settings), settings.export_bucket, meeting_id)


def paper_location_from_settings(settings: Settings, meeting_id: str) -> Callable[[int, str], str] | None:
    """Where the personal link's paper route finds a published paper of the meeting: a presigned link into its
    folder, made on the click. The S3 client is made on the first click, not at a cold start."""
    if not settings.export_bucket:
        return None
    made: list[S3ConsoleFiles] = []

    def location(version: int, name: str) -> str:
        if not made:
            files = s3_files(settings, meeting_id)
            assert files is not None  # nosec B101 # export_bucket is set
            made.append(files)
        return made[0].download_link(version, name)

    return location
