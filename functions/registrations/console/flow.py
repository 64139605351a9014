"""Publishing the follow-up from the AWS console: an upload of vervolgmail.toml is checked, previewed in
controle.txt, and published only when it carries the code of exactly what was checked.

The same flow runs for the S3 event on AWS (lambda_handler/) and for a file dropped into .data/exports/vervolgmail/
locally (dev/uploads.py). After every round of the deliverer, `report_progress` rewrites controle.txt with how far
the sending is. Publishing writes no email: from the publication on, every active registrant owes it, and the
deliverer sends it (delivery/publication.py, delivery/channels.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from ..delivery.channels import Round
from ..delivery.followup import FOLLOWUP, received_version
from ..delivery.publication import Publication, PublicationConflict
from ..mail.links import PublicationLike
from ..meeting import Meeting
from ..registration.item import is_active, local_iso
from ..repository import RegistrationRepository, StoredRegistration
from ..repository.statuses import SendState
from . import controle
from .files import ConsoleFiles
from .papers import changes_between
from .upload import CONTENT_NAMES, CheckedPaper, CheckResult, check_upload

log = logging.getLogger(__name__)


class Publications(Protocol):
    """delivery/publication.py for one meeting: the newest, an older one, and publishing the next version."""

    def current(self) -> Publication | None: ...

    def all(self) -> tuple[Publication, ...]: ...

    def version(self, number: int) -> Publication | None: ...

    def publish(self, teams_link: str, papers: Sequence[CheckedPaper], code: str, now_iso: str) -> Publication: ...


# The meeting's registrations, read when first asked for: after a round, the spreadsheet and the progress share one
# read (lambda_handler/, dev/local.py).
Items = Callable[[], list[StoredRegistration]]

# Builds the follow-up as a registrant will receive it, for the preview: (teams link, papers, now, the version the
# registrant had or None) → the email: the follow-up itself, or the short change email.
Preview = Callable[[str, Sequence[CheckedPaper], dt.datetime, Publication | None], EmailMessage]


def followup_state(item: StoredRegistration, versions: tuple[Publication, ...], now: dt.datetime) -> str:
    """The newest follow-up on one active registration: "sent" (that version reached it, also inside a
    confirmation), "failed", "held_back" (the confirmation carrying it waits for the mailbox limit) or "owed"."""
    newest = versions[-1]
    if received_version(item, Round(now, versions)) >= newest.version:
        return SendState.SENT
    if item.get(FOLLOWUP.attr("status")) == SendState.FAILED and item.get(FOLLOWUP.attr("done")) == newest.owed_id:
        return SendState.FAILED
    if item.get("mail_status") == SendState.HELD_BACK:
        return SendState.HELD_BACK
    return SendState.OWED


@dataclass(frozen=True)
class Outcome:
    kind: str  # "missing", "problems", "preview", "wrong_code", "published", "already_published"
    version: int = 0
    code: str = ""


def active(items: Sequence[StoredRegistration]) -> list[StoredRegistration]:
    return [item for item in items if item.get("email") and is_active(item)]


class ConsoleFlow:
    def __init__(
        self,
        meeting: Meeting,
        repository: RegistrationRepository,
        files: ConsoleFiles,
        publications: Publications,
        preview: Preview,
        clock: Callable[[], dt.datetime],
    ):
        self.meeting = meeting
        self.repository = repository
        self.files = files
        self.publications = publications
        self.preview = preview
        self.clock = clock

    def handle_upload(self, source: str | None = None) -> Outcome:
        """Check the uploaded content file (`source`: its name, from the event; else whichever is there)."""
        now = self.clock()
        names = self.files.names()
        candidates = [source] if source in CONTENT_NAMES else [n for n in CONTENT_NAMES if n in names]
        raw = self.files.read(candidates[0]) if candidates else None
        if raw is None:
            self._write(controle.missing_part(now, self.meeting), now)
            return Outcome("missing")
        result = check_upload(candidates[0], raw, self.files, self.meeting.id)
        if not result.ok:
            self._write(controle.problems_part(result, now, self.meeting), now)
            log.info("follow-up upload checked: %d problems", len(result.problems))
            return Outcome("problems")
        current = self.publications.current()
        if result.confirmed and current is not None and getattr(current, "code", "") == result.code:
            # The same upload again (S3 delivers an event at least once): published already, nothing new.
            return self._already(result, current, now)
        registrants = active(list(self.repository.for_event(self.meeting.id)))
        if result.confirmed:
            return self._publish_confirmed(result, len(registrants), now)
        return self._preview(result, current, registrants, now)

    def _already(self, result: CheckResult, current: PublicationLike, now: dt.datetime) -> Outcome:
        self._write(controle.already_part(result, current.version, now, self.meeting), now)
        return Outcome("already_published", current.version, result.code)

    def _publish_confirmed(self, result: CheckResult, registrants: int, now: dt.datetime) -> Outcome:
        """The upload carries the code of what was checked: publish it."""
        try:
            publication = self._publish(result, now)
        except PublicationConflict:
            # The same upload handled twice at once (S3 delivers at least once): whoever stored it first wins.
            current = self.publications.current()
            if current is None or getattr(current, "code", "") != result.code:
                raise
            return self._already(result, current, now)
        self._write(controle.published_part(result, publication.version, now, self.meeting, registrants), now)
        log.info("follow-up version %d published", publication.version)
        return Outcome("published", publication.version, result.code)

    def _preview(
        self,
        result: CheckResult,
        current: Publication | None,
        registrants: Sequence[StoredRegistration],
        now: dt.datetime,
    ) -> Outcome:
        """No code, or a wrong one: the email as a registrant will receive it, and the code to publish it with."""
        changes: list[str] = []
        earlier = 0
        if current is not None:
            changes = changes_between(current, result.teams_link, result.papers)
            rnd = Round(now, self.publications.all())
            earlier = sum(1 for item in registrants if received_version(item, rnd) > 0)
        message = self.preview(result.teams_link, result.papers, now, None)
        change = self.preview(result.teams_link, result.papers, now, current) if current is not None else None
        wrong = result.given_code is not None
        text = controle.preview_part(
            result,
            message,
            len(registrants),
            now,
            self.meeting,
            next_version=(current.version + 1) if current else 1,
            changes=changes,
            earlier=earlier,
            wrong_code=wrong,
            change_message=change,
        )
        self._write(text, now)
        return Outcome("wrong_code" if wrong else "preview", code=result.code)

    def _publish(self, result: CheckResult, now: dt.datetime) -> PublicationLike:
        current = self.publications.current()
        version = (current.version + 1) if current else 1
        # The copies first, under the version about to be published: once the publication exists, every link to
        # its papers works. A copy of a version that then fails to publish is never linked to.
        for paper in result.papers:
            if paper.file:
                self.files.keep_published(version, paper.file, paper.data)
        publication = self.publications.publish(
            result.teams_link, result.papers, result.code, local_iso(now, self.meeting)
        )
        if publication.version != version:
            # Another upload published in between: keep this one's files under its real version too.
            for paper in result.papers:
                if paper.file:
                    self.files.keep_published(publication.version, paper.file, paper.data)
        return publication

    def _write(self, check: str, now: dt.datetime) -> None:
        state = self.files.read_state()
        state["check"] = check
        self.files.write_state(state)
        self.files.write_report(controle.report(self._progress_text(now), check))

    def progress(self, items: Items | None = None) -> controle.Progress | None:
        """`items`: the meeting's registrations as read once for this round (else read here)."""
        versions = self.publications.all()
        if not versions:
            return None
        current = versions[-1]
        counts = {"sent": 0, "owed": 0, "failed": 0, "held_back": 0}
        now = self.clock()
        for item in active(items() if items else list(self.repository.for_event(self.meeting.id))):
            counts[followup_state(item, versions, now)] += 1
        return controle.Progress(current.version, str(getattr(current, "published_at", "")), **counts)

    def _progress_text(self, now: dt.datetime, items: Items | None = None) -> str:
        return controle.progress_part(self.progress(items), self.meeting, now)

    def report_progress(self, items: Items | None = None) -> bool:
        """After a round of the deliverer: controle.txt with the stand now (only once something is published)."""
        if self.publications.current() is None:
            return False
        now = self.clock()
        check = str(self.files.read_state().get("check", ""))
        self.files.write_report(controle.report(self._progress_text(now, items), check))
        return True
