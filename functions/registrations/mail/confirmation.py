"""The emails about one registration: confirmation, the personal link again, a change and a cancellation.

Kinds (item.MAIL_KINDS): "confirmation" (after registering), "link" (the personal link again, after someone
tried to register an address that is already registered), "change" and "cancellation" (what the person did on the
personal page). Each carries the person's calendar entry as the registration now stands (a REQUEST, or a CANCEL).
The message itself is built by the composer, like every email; this class adds what only these kinds carry.
Sending is the deliverer's (delivery/deliverer.py).
"""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from typing import Any

from ..console.papers import changes_between
from ..delivery.publication import Publication
from ..registration.item import MAIL_KINDS
from ..repository import StoredRegistration
from . import ics
from .composer import Attachment
from .links import PERSONAL_PATH as PERSONAL_PATH
from .links import email_papers
from .mailer import RegistrantMailer

# A later version whose difference no line names (the same titles, links and files): said anyway.
SMALL_CORRECTION = "een kleine correctie; de link en de stukken staan hieronder"


class ConfirmationMailer(RegistrantMailer):
    def calendar(self, now: dt.datetime) -> bytes:
        """The public "Zet in agenda" download: the meeting with its one UID, naming nobody (PUBLISH)."""
        return ics.meeting_calendar(self.meeting, ics.event_uid(self.meeting), now, self.site_url)

    def invitation(
        self,
        item: StoredRegistration,
        now: dt.datetime,
        sequence: int | None = None,
        teams_link: str = "",
        change_at: dt.datetime | None = None,
    ) -> Attachment:
        """The invitee's own entry as the registration now stands (REQUEST, or CANCEL once cancelled)."""
        return self.entry(item, now, sequence, teams_link=teams_link, change_at=change_at)

    def papers(self, item: StoredRegistration, publication: Publication) -> list[dict[str, str]]:
        return email_papers(self.personal_url(item), publication)

    def build(
        self,
        item: StoredRegistration,
        now: dt.datetime,
        kind: str = "confirmation",
        *,
        sequence: int | None = None,
        followup: Publication | None = None,
    ) -> EmailMessage:
        """One state-change email. `sequence`: the calendar SEQUENCE the deliverer took for it (without one, the
        time-based value, for previews). `followup`: the published follow-up a confirmation carries."""
        if kind not in MAIL_KINDS:
            raise ValueError(f"unknown kind of message: {kind}")
        context: dict[str, Any] = {
            "personal_url": self.personal_url(item),
            "start_text": f"{self.meeting.starts_at:%H.%M} uur",
            "site_url": self.site_url,
            "registration_open": self.meeting.is_registration_open(now),
            "teams_link": followup.teams_link if followup else "",
            "papers": self.papers(item, followup) if followup else [],
        }
        # Every email carries the invitee's calendar entry as the registration now stands: a change updates it,
        # a cancellation cancels it.
        teams_link = followup.teams_link if followup else ""
        return self.composer.compose(kind, item, now, context, self.invitation(item, now, sequence, teams_link))

    def build_followup(
        self,
        item: StoredRegistration,
        now: dt.datetime,
        publication: Publication,
        *,
        sequence: int | None = None,
        previous: Publication | None = None,
    ) -> EmailMessage:
        """The follow-up: the Teams link and the papers (kind "followup"), or, for who had an earlier version, what
        changed ("followup_change"). The calendar entry follows, with the Teams link as its place."""
        signatory, _, position = self.meeting.signatory.partition(", ")
        context: dict[str, Any] = {
            "personal_url": self.personal_url(item),
            "teams_link": publication.teams_link,
            "papers": self.papers(item, publication),
            "signatory": signatory,
            # The position follows the name on a line of its own, so it starts with a capital.
            "position": position[:1].upper() + position[1:],
            "link_changed": previous is not None and previous.teams_link != publication.teams_link,
            "new_papers": [
                p for p in self.papers(item, publication) if previous is None or p["title"] not in _titles(previous)
            ],
            # What changed since the version this registrant had, one Dutch line each (papers.changes_between).
            "changes": (
                changes_between(previous, publication.teams_link, publication.papers) or [SMALL_CORRECTION]
                if previous is not None
                else []
            ),
        }
        kind = "followup_change" if previous is not None else "followup"
        # Without a sequence from the deliverer (previews), the email itself is the change the entry describes. A
        # change email carries a calendar update only when the place (the Teams link) changed.
        attachment = (
            self.invitation(item, now, sequence, publication.teams_link, change_at=now)
            if previous is None or context["link_changed"]
            else None
        )
        return self.composer.compose(kind, item, now, context, attachment)


def _titles(publication: Publication) -> set[str]:
    return {p.title for p in publication.papers}
