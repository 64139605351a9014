"""`registrations send-followup`: the follow-up as registrants will receive it, how many will get it now,
"Doorgaan? (j/n)", then publishing it (delivery/publication.py) and showing progress while the function sends
(sending_progress.py).

Staff publish; the system sends. The command sends no email itself and needs no right to send: the function's
deliverer (delivery/deliverer.py) owes the published follow-up to every active registrant, also to those who register
later. Ctrl-C only stops watching the progress; the sending goes on.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from email.message import EmailMessage
from pathlib import Path
from typing import IO, Any

import click

from ..console.content import FollowupContent
from ..delivery import publication
from ..delivery.publication import Publication, PublicationConflict, PublishedPaper
from ..mail.confirmation import ConfirmationMailer
from ..meeting import Meeting
from ..registration.item import local_iso
from ..registration.personal_link import PersonalLinks
from ..reports.export import readable_time
from ..reports.summary import dutch_number
from ..repository import RegistrationRepository, StoredRegistration
from ..settings import LOCAL_MAIL_SENDER
from . import EXIT_ATTENTION, EXIT_OK, output
from .common import Runtime, path_option, table_options, yes_option
from .sending_progress import follow, progress_of
from .table import Table, Where

# An example registrant for the preview: the personal link in it is an example too.
EXAMPLE: StoredRegistration = {**output.EXAMPLE_REGISTRANT, "registration_id": "voorbeeldvoorbeeld", "link_version": 1}


@click.command(
    "send-followup",
    short_help="de vervolgmail met Teams-link en stukken publiceren",
    help="Publiceert de vervolgmail met de Teams-link en de stukken. U ziet eerst het bericht en hoeveel mensen het "
    "krijgen, en bevestigt dan. Daarna verstuurt de functie het aan iedereen die is aangemeld, ook aan wie zich later "
    "aanmeldt. Dit commando verstuurt zelf niets en heeft geen rechten om te mailen. Een tweede publicatie is een "
    "nieuwe versie: wie de vorige al had, krijgt een korte mail met wat er veranderd is.",
)
@click.option("--teams-link", metavar="URL", help="de link naar de Teams-vergadering")
@click.option(
    "--paper",
    "papers",
    nargs=2,
    multiple=True,
    metavar="TITEL URL",
    help="een stuk voor de vergadering (herhaal voor meer stukken)",
)
@path_option(
    "--content-file",
    metavar="BESTAND",
    help="vervolgmail.toml met teams_link en [[papers]] (title, url); opties gaan voor",
)
@click.option(
    "--niet-wachten",
    "no_wait",
    is_flag=True,
    help="na het publiceren niet blijven kijken hoe ver het versturen is",
)
@yes_option("niet vragen of u het zeker weet: meteen publiceren (nodig zonder terminal)")
@table_options
@click.pass_obj
def send_followup(
    run: Runtime,
    /,
    teams_link: str | None,
    papers: Sequence[tuple[str, str]],
    content_file: Path | None,
    no_wait: bool,
    yes: bool,
    **where: str | None,
) -> int:
    def job(table: Table, meeting: Meeting) -> int:
        content = followup_content(teams_link, papers, content_file, meeting.id)
        run.can_ask(yes)
        progress = output.Progress(run.stderr, output.is_terminal(run.stderr))
        repository = table.repository()
        items = output.fetch_all(repository, meeting, progress)
        progress.clear()
        return publish_followup(
            meeting,
            content,
            table.config,
            repository,
            items,
            run.stdout,
            run.clock,
            confirm=lambda lines: run.ask(yes, lines),
            wait=not no_wait,
        )

    return run.on_table(Where(**where), job)


def followup_content(
    teams_link: str | None, papers: Sequence[tuple[str, str]], content_file: Path | None, meeting_id: str
) -> FollowupContent:
    """The Teams link and papers given as options; what they leave out comes from the content file (which, if it
    names a meeting, must name this one)."""
    if content_file is not None:
        from_file = FollowupContent.from_file(content_file, meeting_id)
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
    if newest is not None and is_published(newest, content):
        stdout.write(
            f"Deze Teams-link en stukken zijn al gepubliceerd (versie {newest.version}, op {readable_time(newest.published_at)}). "
            "Er is niets nieuws gepubliceerd.\n"
        )
        return EXIT_OK
    draft = candidate(meeting, content, newest, local_iso(now, meeting))
    if not confirm(question(meeting, config, draft, versions, items, now)):
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


def is_published(newest: Publication, content: FollowupContent) -> bool:
    """Is this exactly the Teams link and papers of the newest version?"""
    papers = tuple(PublishedPaper(p.title, url=p.url) for p in content.papers)
    return (newest.teams_link, newest.papers) == (content.teams_link, papers)


def question(
    meeting: Meeting,
    config: Mapping[str, Any],
    draft: Publication,
    versions: Sequence[Publication],
    items: Sequence[StoredRegistration],
    now: dt.datetime,
) -> list[str]:
    """What staff see before "Doorgaan? (j/n)": the follow-up as a registrant receives it, its version, and how many
    get it now."""
    count = progress_of(items, draft, (*versions, draft)).owed
    lines = output.preview_lines(preview(meeting, config, draft, now))
    return lines + [
        "",
        f"Versie: {draft.version}" + (f" (de vorige versie is {versions[-1].version})" if versions else ""),
        f"Krijgen hem nu: {dutch_number(count)} aangemelde deelnemers. Wie zich later aanmeldt, krijgt hem vanzelf.",
    ]
