"""The console flow wired from a deliverer: the same meeting, table, mailer and clock; and the S3 event's handling.

The trigger (lambda_handler/, route "s3") gets EventBridge's "Object Created" for vervolgmail/vervolgmail.toml (or the
.toml.txt Windows makes); the rule in infra/template.yaml matches only those keys, and this checks again, so that the
function's own controle.txt can never start a check.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from ..delivery import publication
from ..delivery.followup import FollowupChannel
from ..delivery.publication import Publication, PublishedPaper
from ..mail.confirmation import PERSONAL_PATH, ConfirmationMailer
from ..repository import StoredRegistration
from .controle import SAMPLE_EMAIL
from .files import UPLOAD_PREFIX, ConsoleFiles, s3_files
from .flow import ConsoleFlow, Items, Preview, Publications
from .upload import CONTENT_NAMES, CheckedPaper

if TYPE_CHECKING:
    from ..delivery.deliverer import Deliverer
    from ..meeting import Meeting
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


def uploaded_key(event: Mapping[str, Any], bucket: str) -> str | None:
    """The content file's name, when the event is an upload of it into the export bucket; else None."""
    detail = event.get("detail")
    if event.get("detail-type") != "Object Created" or not isinstance(detail, Mapping):
        return None
    if (detail.get("bucket") or {}).get("name") != bucket:
        return None
    key = str((detail.get("object") or {}).get("key", ""))
    name = key.removeprefix(UPLOAD_PREFIX)
    return name if key.startswith(UPLOAD_PREFIX) and name in CONTENT_NAMES else None


def handle_s3_event(
    event: Mapping[str, Any], deliverer: Deliverer, settings: Settings, publications: Publications | None = None
) -> str:
    """What the dispatcher calls for an `aws.s3` event: "ignored", or the outcome of the check."""
    files = s3_files(settings)
    name = uploaded_key(event, settings.export_bucket)
    if files is None or name is None:
        return "ignored"
    return make_flow(deliverer, files, publications).handle_upload(name).kind


def report_progress(deliverer: Deliverer, settings: Settings, items: Items | None = None) -> None:
    """controle.txt with the stand of the sending, once something is published; never raises (a convenience, like
    the spreadsheet: the next round tries again)."""
    files = s3_files(settings)
    if files is None:
        return
    try:
        make_flow(deliverer, files).report_progress(items)
    except Exception as exc:  # noqa: BLE001 - whatever S3 or the table said, the trigger that called this goes on
        log.warning("follow-up progress not written: %s", type(exc).__name__)
