"""Which meeting a request is for, and that meeting's services: what the blueprints call.

A registration names its meeting in the field `meeting` (none: the letter meeting, for pages cached from before there
were several); a personal link names it in its signed token. Each meeting's services are built when a request is
first for it (meeting/per_meeting.py). The meeting of the request is the pages' `event` and every log line's meeting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, g

from ..errors import InvalidLink, UnknownMeeting
from ..mail.confirmation import ConfirmationMailer
from ..mail.links import PublicationLike
from ..meeting import Meeting, Meetings, PerMeeting
from ..observability import logs
from ..registration.personal import PersonalPage
from ..registration.personal_link import meeting_of
from ..registration.registering import Registering


@dataclass(frozen=True)
class MeetingServices:
    meeting: Meeting
    registering: Registering
    personal_page: PersonalPage
    mailer: ConfirmationMailer
    # The follow-up as published now for this meeting (delivery/publication.py), read when a page asks for it.
    publication: Callable[[], PublicationLike | None]


class Services:
    def __init__(self, meetings: Meetings, build: Callable[[Meeting], MeetingServices], token_secret: str):
        self.meetings = meetings
        self._built = PerMeeting(meetings, build)
        self._token_secret = token_secret

    @property
    def letter(self) -> MeetingServices:
        """The services of the meeting the old addresses lead to (/api/event, a post that names no meeting)."""
        return self._built.of(self.meetings.letter_meeting)

    def for_meeting(self, meeting_id: object) -> MeetingServices | None:
        return self._built.get(meeting_id)

    def for_post(self, meeting_id: object) -> MeetingServices:
        """A registration's meeting: none given is the letter meeting; an id that is no meeting's is refused."""
        if meeting_id is None:
            return self.letter
        found = self.for_meeting(meeting_id)
        if found is None:
            raise UnknownMeeting()
        return found

    def for_token(self, token: str) -> MeetingServices:
        """A personal link's meeting. A token that is not ours, or names no meeting of these, is a link that does not
        work, like any other bad link."""
        found = self.for_meeting(meeting_of(token, self._token_secret))
        if found is None:
            raise InvalidLink(contact=self.letter.meeting.contact_email)
        return found

    def built(self) -> tuple[str, ...]:
        return self._built.built()


def services() -> Services:
    found: Services = current_app.extensions["services"]
    return found


def use(chosen: MeetingServices) -> MeetingServices:
    """The request is for this meeting from here on: its pages and its log lines."""
    _forget()
    g.meeting_services = chosen
    g.meeting_log = logs.set_meeting(chosen.meeting.id)
    return chosen


def current() -> MeetingServices:
    """The request's meeting's services; the letter meeting's until the request names one."""
    chosen: MeetingServices | None = g.get("meeting_services")
    return chosen if chosen is not None else services().letter


def _forget(exc: BaseException | None = None) -> None:
    token = g.pop("meeting_log", None)
    if token is not None:
        logs.reset_meeting(token)


def install(app: Flask) -> None:
    app.teardown_request(_forget)
    # Jinja's name for the meeting in the function's pages, as in the site's.
    app.context_processor(lambda: {"event": current().meeting})
