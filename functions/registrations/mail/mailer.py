"""What every mailer of a registrant's emails holds: the meeting, the personal links, the sender and the site.

The state-change emails and the follow-up (confirmation.py) and the meeting's own emails (meeting_mail.py) build on
it, so the personal link and the calendar entry are made one way for all of them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..meeting import Meeting
from ..registration.personal_link import PersonalLinks
from ..repository import StoredRegistration
from . import ics
from .composer import Attachment, MessageComposer
from .links import personal_url


@dataclass
class RegistrantMailer:
    meeting: Meeting
    links: PersonalLinks
    from_address: str
    site_url: str

    @property
    def composer(self) -> MessageComposer:
        return MessageComposer(self.meeting, self.from_address)

    def personal_url(self, item: StoredRegistration) -> str:
        return personal_url(self.links, self.site_url, item)

    def entry(
        self,
        item: StoredRegistration,
        now: dt.datetime,
        sequence: int | None = None,
        *,
        method: str | None = None,
        teams_link: str = "",
        change_at: dt.datetime | None = None,
    ) -> Attachment:
        """The invitee's own calendar entry: the meeting's one UID, the facts and the registration as they now are
        (ics.invitation_attachment)."""
        return ics.invitation_attachment(
            self.meeting,
            item,
            self.from_address,
            now,
            self.site_url,
            sequence=sequence,
            method=method,
            teams_link=teams_link,
            change_at=change_at,
        )
