"""While the function sends a published follow-up: how far the sending of that version is, counted over the active
registrations, shown again every few seconds until it is done. Ctrl-C only stops watching; the sending goes on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO

from ..delivery import publication
from ..delivery.channels import Round
from ..delivery.followup import received_version
from ..delivery.publication import Publication
from ..meeting import Meeting
from ..registration.item import is_active
from ..reports.summary import dutch_number
from ..repository import RegistrationRepository, StoredRegistration
from ..repository.statuses import SendState
from . import EXIT_ATTENTION, EXIT_OK

# How often the progress is read again while the function sends.
POLL_SECONDS = 2.0


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
