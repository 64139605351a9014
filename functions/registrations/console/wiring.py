"""The console flow wired from a meeting's deliverer: the same meeting, table, mailer and clock; and the handling of
an upload, on AWS (the S3 event) and locally (dev/uploads.py).

The trigger (lambda_handler/, route "s3") gets EventBridge's "Object Created" for a key ending in
vervolgmail/vervolgmail.toml (or the .toml.txt Windows makes); the rule in infra/template.yaml matches only those
keys, and this checks again, so that the function's own controle.txt can never start a check. The key's first
folder names the meeting (console/places.py): an upload anywhere else is refused beside it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..delivery import publication
from ..delivery.followup import FollowupChannel
from ..delivery.publication import Publication, PublishedPaper
from ..local.owner_only import private_folder, write_private
from ..mail.confirmation import PERSONAL_PATH, ConfirmationMailer
from ..repository import StoredRegistration
from .controle import SAMPLE_EMAIL
from .files import ConsoleFiles, FolderConsoleFiles
from .flow import ConsoleFlow, Items, Preview, Publications
from .places import upload_place, wrong_place_report
from .s3_files import S3ConsoleFiles, put_report, s3_client, s3_files
from .upload import CheckedPaper

if TYPE_CHECKING:
    from ..delivery.deliverer import Deliverer
    from ..meeting import Meeting, Meetings
    from ..repository import RegistrationRepository
    from ..settings import Settings

log = logging.getLogger(__name__)

SAMPLE_ITEM: StoredRegistration = {
    "event": "voorbeeld",
    "given_name": "Voornaam",
    "family_name": "Achternaam",
    "email": SAMPLE_EMAIL,
    "status": "registered",
}
SAMPLE_TOKEN = "UW-PERSOONLIJKE-LINK"  # nosec B105 # a placeholder shown in the preview, no secret


class _SampleMailer(ConfirmationMailer):
    """The preview's personal link is a placeholder: the sample registrant has none."""

    def personal_url(self, item: StoredRegistration) -> str:
        return f"{self.site_url}{PERSONAL_PATH}/{SAMPLE_TOKEN}"


def mailer_of(deliverer: Deliverer) -> ConfirmationMailer:
    """The mailer the deliverer's follow-up channel builds with."""
    return next(channel.mailer for channel in deliverer.channels if isinstance(channel, FollowupChannel))


def preview_builder(mailer: ConfirmationMailer) -> Preview:
    """The follow-up for a sample registrant, built exactly as the deliverer builds it (build_followup)."""
    sample = _SampleMailer(mailer.meeting, mailer.links, mailer.from_address, mailer.site_url)

    def preview(
        teams_link: str, papers: Sequence[CheckedPaper], now: dt.datetime, previous: Publication | None
    ) -> EmailMessage:
        kept = tuple(PublishedPaper(p.title, p.url, p.file, p.sha256) for p in papers)
        newer = Publication(mailer.meeting.id, (previous.version + 1) if previous else 1, "", teams_link, kept)
        return sample.build_followup(SAMPLE_ITEM, now, newer, previous=previous)

    return preview


class StoredPublications:
    """delivery/publication.py for the deliverer's meeting: what the console flow reads and publishes."""

    def __init__(self, repository: RegistrationRepository, meeting: Meeting):
        self.repository = repository
        self.meeting = meeting

    def all(self) -> tuple[Publication, ...]:
        return publication.all_versions(self.repository, self.meeting.id)

    def current(self) -> Publication | None:
        return publication.current(self.repository, self.meeting.id)

    def version(self, number: int) -> Publication | None:
        return publication.version(self.repository, self.meeting.id, number)

    def publish(self, teams_link: str, papers: Sequence[CheckedPaper], code: str, now_iso: str) -> Publication:
        kept = [PublishedPaper(p.title, p.url, p.file, p.sha256) for p in papers]
        expires = int(self.meeting.expires_at.timestamp())
        return publication.publish(self.repository, self.meeting.id, teams_link, kept, code, now_iso, expires)


def make_flow(deliverer: Deliverer, files: ConsoleFiles, publications: Publications | None = None) -> ConsoleFlow:
    """`publications`: delivery/publication.py for the meeting (StoredPublications), unless a test gives a stand-in."""
    return ConsoleFlow(
        deliverer.meeting,
        deliverer.repository,
        files,
        publications or StoredPublications(deliverer.repository, deliverer.meeting),
        preview_builder(mailer_of(deliverer)),
        deliverer.clock,
    )


# The deliverer of a meeting by its id; None for a meeting that can no longer get a follow-up (or no meeting).
DelivererFor = Callable[[str], "Deliverer | None"]


def uploaded_key(event: Mapping[str, Any], bucket: str) -> str | None:
    """The uploaded key, when the event is an upload into the export bucket; else None."""
    detail = event.get("detail")
    if event.get("detail-type") != "Object Created" or not isinstance(detail, Mapping):
        return None
    if (detail.get("bucket") or {}).get("name") != bucket:
        return None
    key = str((detail.get("object") or {}).get("key", ""))
    return key or None


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class UploadHandler:
    """Handles an upload at a key (in the bucket, or the path under .data/exports/): "ignored" (not the content
    file), "wrong_folder" (refused: `write_at(report key, text)`), or the outcome of the meeting's check.
    `publications`: a test's stand-in, for the meeting of the upload; `meetings`: those the refusal lists."""

    deliverer_for: DelivererFor
    files_for: Callable[[str], ConsoleFiles]
    write_at: Callable[[str, str], object]
    publications: Publications | None = None
    meetings: Meetings | None = None
    clock: Callable[[], dt.datetime] = _utc_now

    def __call__(self, key: str) -> str:
        place = upload_place(key)
        if place is None:
            return "ignored"
        deliverer = self.deliverer_for(place.meeting_id) if place.meeting_id else None
        if deliverer is None:
            from ..meeting import default_meetings

            report = wrong_place_report(place, self.meetings or default_meetings(), self.clock())
            self.write_at(place.report_key, report)
            log.info("follow-up upload refused: not in the folder of a meeting")
            return "wrong_folder"
        flow = make_flow(deliverer, self.files_for(place.meeting_id), self.publications)
        return flow.handle_upload(place.name).kind


def s3_upload_handler(
    deliverer_for: DelivererFor,
    settings: Settings,
    publications: Publications | None = None,
    meetings: Meetings | None = None,
) -> UploadHandler:
    client, bucket = s3_client(settings), settings.export_bucket
    return UploadHandler(
        deliverer_for,
        lambda meeting_id: S3ConsoleFiles(client, bucket, meeting_id),
        lambda key, text: put_report(client, bucket, key, text),
        publications,
        meetings,
    )


def handle_s3_event(
    event: Mapping[str, Any],
    deliverer_for: DelivererFor,
    settings: Settings,
    publications: Publications | None = None,
    meetings: Meetings | None = None,
) -> str:
    """What the dispatcher calls for an `aws.s3` event: "ignored", "wrong_folder", or the outcome of the check."""
    key = uploaded_key(event, settings.export_bucket)
    if not settings.export_bucket or key is None:
        return "ignored"
    return s3_upload_handler(deliverer_for, settings, publications, meetings)(key)


def local_upload_handler(
    deliverer_for: DelivererFor,
    exports: Path,
    published: Path,
    publications: Publications | None = None,
    clock: Callable[[], dt.datetime] = _utc_now,
) -> UploadHandler:
    """`make run`: a content file saved under `exports` (.data/exports/), as on AWS; the published copies under
    `published` (.data/gepubliceerd/)."""

    def write_at(key: str, text: str) -> None:
        target = exports / key
        private_folder(target.parent)
        write_private(target, text.encode("utf-8"))

    return UploadHandler(
        deliverer_for,
        lambda meeting_id: FolderConsoleFiles(exports, published, meeting_id).prepare(),
        write_at,
        publications,
        clock=clock,
    )


def report_progress(deliverer: Deliverer, settings: Settings, items: Items | None = None) -> None:
    """controle.txt with the stand of the sending, once something is published; never raises (a convenience, like
    the spreadsheet: the next round tries again)."""
    files = s3_files(settings, deliverer.meeting.id)
    if files is None:
        return
    try:
        make_flow(deliverer, files).report_progress(items)
    except Exception as exc:  # noqa: BLE001 - whatever S3 or the table said, the trigger that called this goes on
        log.warning("follow-up progress not written: %s", type(exc).__name__)
