"""The console flow wired from a deliverer: the same event, table, mailer and clock; and the S3 event's handling.

The trigger (triggers.py, route "s3") gets EventBridge's "Object Created" for vervolgmail/vervolgmail.toml (or the
.toml.txt Windows makes); the rule in infra/template.yaml matches only those keys, and this checks again, so that the
function's own controle.txt can never start a check.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from .console import ConsoleFlow, FollowupState, Publications
from .console_store import UPLOAD_PREFIX, ConsoleStore, s3_store
from .controle import SAMPLE_EMAIL
from .followup_file import CONTENT_NAMES, CheckedPaper
from .papers import PublicationLike, paper_links

if TYPE_CHECKING:
    from .delivery import Deliverer
    from .settings import Settings

log = logging.getLogger(__name__)

SAMPLE_ITEM = {"given_name": "Voornaam", "family_name": "Achternaam", "email": SAMPLE_EMAIL, "status": "registered"}
SAMPLE_TOKEN = "UW-PERSOONLIJKE-LINK"


def preview_builder(deliverer: Deliverer) -> Any:
    """The follow-up for a sample registrant, built as the deliverer builds it (followup.build_message)."""
    from .followup import build_message
    from .followup_content import FollowupContent, Paper

    mailer = deliverer.mailer

    def preview(teams_link: str, papers: Sequence[CheckedPaper], now: dt.datetime) -> EmailMessage:
        manage_url = f"{mailer.site_url}/api/mijn-aanmelding/{SAMPLE_TOKEN}"
        links = tuple(Paper(link.title, link.url) for link in paper_links(manage_url, papers))
        return build_message(deliverer.event, SAMPLE_ITEM, FollowupContent(teams_link, links), mailer.from_address, now)

    return preview


def followup_state(item: Mapping[str, Any], publication: PublicationLike) -> str:
    """The follow-up on one registration, as the deliverer's followup slot records it (channels.py)."""
    status = str(item.get("followup_mail_status", ""))
    if int(item.get("followup_version", 0) or 0) >= publication.version and status == "sent":
        return "sent"
    if status in ("failed", "held_back"):
        return status
    return "owed"


def make_flow(
    deliverer: Deliverer,
    store: ConsoleStore,
    publications: Publications,
    state: FollowupState = followup_state,
) -> ConsoleFlow:
    return ConsoleFlow(
        deliverer.event, deliverer.repository, store, publications, preview_builder(deliverer), state, deliverer.clock
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
    event: Mapping[str, Any], deliverer: Deliverer, settings: Settings, publications: Publications
) -> str:
    """What the dispatcher calls for an `aws.s3` event: "ignored", or the outcome of the check."""
    store = s3_store(settings)
    name = uploaded_key(event, settings.export_bucket)
    if store is None or name is None:
        return "ignored"
    return make_flow(deliverer, store, publications).handle_upload(name).kind
