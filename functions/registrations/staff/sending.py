"""send-followup once its options are read: the follow-up as registrants will receive it, how many will get it now,
"Doorgaan? (j/n)", then publishing it (delivery/publication.py) and showing progress while the function sends.

Staff publish; the system sends. The command sends no email itself and needs no right to send: the function's
deliverer (delivery/deliverer.py) owes the published follow-up to every active registrant, also to those who register later.
Ctrl-C only stops watching the progress; the sending goes on.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import IO, Any

from ..console.content import FollowupContent
from ..delivery import publication
from ..delivery.channels import Round
from ..delivery.followup import received_version
from ..delivery.publication import Publication, PublicationConflict, PublishedPaper
from ..mail.confirmation import ConfirmationMailer
from ..meeting import Meeting
from ..registration.item import is_active, local_iso
from ..registration.personal_link import PersonalLinks
from ..reports.export import readable_time
from ..reports.summary import dutch_number
from ..repository import RegistrationRepository, StoredRegistration
from ..repository.statuses import SendState
from ..settings import LOCAL_MAIL_SENDER
from . import EXIT_ATTENTION, EXIT_OK, output

# How often the progress is read again while the function sends.
POLL_SECONDS = 2.0
# An example registrant for the preview: the personal link in it is an example too.
EXAMPLE: StoredRegistration = {**output.EXAMPLE_REGISTRANT, "registration_id": "voorbeeldvoorbeeld", "link_version": 1}


def followup_content(
    teams_link: str | None, papers: Sequence[tuple[str, str]], content_file: Path | None
) -> FollowupContent:
    """The Teams link and papers given as options; what they leave out comes from the content file."""
    if content_file is not None:
        from_file = FollowupContent.from_file(content_file)
        teams_link = teams_link or from_file.teams_link
        papers = papers or [(p.title, p.url) for p in from_file.papers]
    return FollowupContent.build(teams_link, papers)


def candidate(meeting: Meeting, content: FollowupContent, newest: Publication | None, now: str) -> Publication:
    """The publication as it would be stored: the next version of the meeting's follow-up."""
    return Publication(
        event_id=meeting.id,
        version=(newest.version if newest else 0) + 1,
        published_at=now,
        teams_link=content.teams_link,
        papers=tuple(PublishedPaper(p.title, url=p.url) for p in content.papers),
    )


def preview(meeting: Meeting, config: Mapping[str, Any], draft: Publication, now: dt.datetime) -> EmailMessage:
    """The follow-up as a registrant receives it (with an example name and an example personal link)."""
    mailer = ConfirmationMailer(
        meeting=meeting,
        links=PersonalLinks("voorbeeld", meeting),
        from_address=str(config.get("MAIL_SENDER") or LOCAL_MAIL_SENDER),
        site_url=str(config.get("SITE_URL") or "https://aanmelden.example").rstrip("/"),
    )
    return mailer.build_followup(EXAMPLE, now, draft)


@dataclass(frozen=True)
class Progress:
    """Where the sending of one version stands, counted over the active registrations."""

    sent: int
    owed: int
    failed: int
    unknown: int

    @property
    def done(self) -> bool:
        return self.owed == 0


def progress_of(items: Sequence[StoredRegistration], version: Publication, versions: Sequence[Publication]) -> Progress:
    rnd = Round(dt.datetime.now(dt.UTC), tuple(versions))
    sent = owed = failed = unknown = 0
    for item in items:
        if not is_active(item):
            continue
        if received_version(item, rnd) >= version.version:
            sent += 1
        elif item.get("followup_mail_done") == version.owed_id:
            status = item.get("followup_mail_status")
            failed += status == SendState.FAILED
            unknown += status == SendState.UNKNOWN
        else:
            owed += 1
    return Progress(sent, owed, failed, unknown)


def progress_line(p: Progress) -> str:
    return (
        f"Verstuurd: {dutch_number(p.sent)}, nog te versturen: {dutch_number(p.owed)}, mislukt: "
        f"{dutch_number(p.failed)}, onzeker: {dutch_number(p.unknown)}"
    )


def publish_followup(
    meeting: Meeting,
    content: FollowupContent,
    config: Mapping[str, Any],
    repository: RegistrationRepository,
    items: Sequence[StoredRegistration],
    stdout: IO[str],
    clock: Callable[[], dt.datetime],
    confirm: Callable[[Sequence[str]], bool],
    wait: bool,
    sleep: Callable[[float], None] | None = None,
) -> int:
    """Show, ask, publish, and (with `wait`) follow the sending until it is done or Ctrl-C."""
    now = clock()
    versions = publication.all_versions(repository, meeting.id)
    newest = versions[-1] if versions else None
    if newest is not None and (newest.teams_link, newest.papers) == (
        content.teams_link,
        tuple(PublishedPaper(p.title, url=p.url) for p in content.papers),
    ):
        stdout.write(
            f"Deze Teams-link en stukken zijn al gepubliceerd (versie {newest.version}, op {readable_time(newest.published_at)}). "
            "Er is niets nieuws gepubliceerd.\n"
        )
        return EXIT_OK
    draft = candidate(meeting, content, newest, local_iso(now, meeting))
    count = progress_of(items, draft, (*versions, draft)).owed
    message = preview(meeting, config, draft, now)
    lines = output.preview_lines(message)
    lines += [
        "",
        f"Versie: {draft.version}" + (f" (de vorige versie is {versions[-1].version})" if versions else ""),
        f"Krijgen hem nu: {dutch_number(count)} aangemelde deelnemers. Wie zich later aanmeldt, krijgt hem vanzelf.",
    ]
    if not confirm(lines):
        stdout.write("Er is niets gepubliceerd en niets verstuurd.\n")
        return EXIT_OK
    try:
        stored = publication.publish(
            repository,
            meeting.id,
            draft.teams_link,
            draft.papers,
            "",
            draft.published_at,
            int(meeting.expires_at.timestamp()),
        )
    except PublicationConflict:
        stdout.write(
            "Iemand anders publiceerde op hetzelfde moment een versie. Er is niets gepubliceerd: probeer het opnieuw.\n"
        )
        return EXIT_ATTENTION
    stdout.write(
        f"Gepubliceerd: versie {stored.version} om {stored.published_at[11:16]} uur. De functie verstuurt de mail nu "
        "aan iedereen die is aangemeld.\n"
    )
    if not wait:
        return EXIT_OK
    return follow(meeting, repository, stored, stdout, sleep or time.sleep)


def follow(
    meeting: Meeting,
    repository: RegistrationRepository,
    stored: Publication,
    stdout: IO[str],
    sleep: Callable[[float], None],
) -> int:
    stdout.write("U kunt dit venster sluiten of op Ctrl-C drukken: het versturen gaat dan gewoon door.\n")
    stdout.flush()
    try:
        while True:
            versions = publication.all_versions(repository, meeting.id)
            state = progress_of(list(repository.for_event(meeting.id)), stored, versions)
            stdout.write(progress_line(state) + "\n")
            stdout.flush()
            if state.done:
                stdout.write("Klaar: iedereen die is aangemeld, heeft de vervolgmail (of staat als mislukt).\n")
                return EXIT_ATTENTION if state.failed or state.unknown else EXIT_OK
            sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        stdout.write(
            "\nGestopt met kijken. Het versturen gaat door; `registrations summary` laat zien hoe ver het is.\n"
        )
        return EXIT_OK
