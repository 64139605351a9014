"""What the app and the deliverers share (the settings, the meetings, the table, the clock), and the parts every
meeting has of its own (its personal links and its confirmation mailer), built when the meeting is first needed."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .settings import Clock, Settings

if TYPE_CHECKING:
    from .mail.confirmation import ConfirmationMailer
    from .mail.senders import Sender
    from .meeting import Meeting, Meetings, PerMeeting
    from .registration.personal_link import PersonalLinks
    from .repository import RegistrationRepository


@dataclass(frozen=True)
class MeetingParts:
    """What the app and the deliverer build alike for one meeting."""

    meeting: Meeting
    links: PersonalLinks
    mailer: ConfirmationMailer


@dataclass(frozen=True)
class Shared:
    settings: Settings
    meetings: Meetings
    repository: RegistrationRepository
    clock: Clock
    parts: PerMeeting[MeetingParts]

    @classmethod
    def wire(
        cls,
        config: Settings | Mapping[str, Any] | None,
        table: Any,
        clock: Clock | None,
        transport: Sender | None,
        meeting: Meeting | None = None,
        meetings: Meetings | None = None,
    ) -> Shared:
        """`meeting`: other facts than its folder's, in place of that meeting (tests of a moved or called-off meeting);
        `meetings`: another catalogue than the settings' folder (MEETINGS_DIR)."""
        from .meeting import PerMeeting
        from .repository import LazyTable, RegistrationRepository
        from .settings import make_clock

        settings = config if isinstance(config, Settings) else Settings.from_env({**os.environ, **(config or {})})
        settings.check(has_transport=transport is not None)
        logging.getLogger("registrations").setLevel(settings.log_level)
        catalogue = meetings or _catalogue(settings, meeting)
        repository = RegistrationRepository(
            table or LazyTable(settings.aws_region, settings.registrations_table, settings.dynamodb_endpoint)
        )
        # Every meeting is Dutch; the letter meeting's time zone reads a PREVIEW_NOW without one.
        timezone = catalogue.letter_meeting.timezone
        clock = clock or make_clock(settings.preview_now, timezone, on_lambda=settings.on_lambda)
        return cls(settings, catalogue, repository, clock, PerMeeting(catalogue, lambda m: meeting_parts(settings, m)))


def _catalogue(settings: Settings, meeting: Meeting | None) -> Meetings:
    """Every meeting folder is read (and checked) at every start: bad facts stop the function here (MeetingFileError)."""
    from .meeting import default_meetings

    meetings = default_meetings({"MEETINGS_DIR": settings.meetings_dir} if settings.meetings_dir else {})
    return meetings.with_meeting(meeting) if meeting is not None else meetings


def meeting_parts(settings: Settings, meeting: Meeting) -> MeetingParts:
    from .mail.confirmation import ConfirmationMailer
    from .registration.personal_link import PersonalLinks

    links = PersonalLinks(settings.token_secret, meeting)
    mailer = ConfirmationMailer(
        meeting=meeting, links=links, from_address=settings.from_address, site_url=settings.site_url
    )
    return MeetingParts(meeting, links, mailer)


__all__ = ["MeetingParts", "Shared", "meeting_parts"]
