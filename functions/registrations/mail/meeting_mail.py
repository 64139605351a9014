"""The meeting's own emails, which no request causes: the reminder, the notice of a change, the notice that the
meeting is called off. One builder per kind; each takes the registration, what only it needs, and the calendar
SEQUENCE the deliverer took for this email, which goes into the attached entry (same UID as every other entry).

The message itself is made by the composer, like every email; sending and the records are the deliverer's.
"""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

from ..meeting import Meeting, Reminder
from ..registration.calendar_facts import CalendarFacts, changes, facts_of
from ..repository import StoredRegistration
from .links import PublicationLike, email_papers
from .mailer import RegistrantMailer


def _when_phrase(meeting: Meeting, reminder: Reminder) -> str:
    """ "Vandaag", "Morgen" or the date: the reminder's own view of how soon the meeting is."""
    days = (meeting.starts_at.date() - reminder.moment.astimezone(meeting.timezone).date()).days
    if days == 0:
        return "Vandaag"
    if days == 1:
        return "Morgen"
    return f"Op {meeting.date_text}"


class MeetingMailer(RegistrantMailer):
    """The meeting's own emails: the reminder, the change notice and the called-off notice."""

    def reminder(
        self,
        item: StoredRegistration,
        now: dt.datetime,
        reminder: Reminder,
        published: PublicationLike | None,
        sequence: int,
    ) -> EmailMessage:
        """The reminder: date and time, the Teams link once published (else that it follows), the papers through
        the personal page, and the personal link."""
        teams_link = published.teams_link if published is not None else ""
        personal_url = self.personal_url(item)
        context = {
            "when": _when_phrase(self.meeting, reminder),
            "personal_url": personal_url,
            "teams_link": teams_link,
            "papers": email_papers(personal_url, published),
        }
        entry = self.entry(item, now, sequence, method="REQUEST", teams_link=teams_link)
        return self.composer.compose("reminder", item, now, context, entry)

    def change(
        self,
        item: StoredRegistration,
        now: dt.datetime,
        old: CalendarFacts,
        sequence: int,
        *,
        teams_link: str = "",
        published: PublicationLike | None = None,
    ) -> EmailMessage:
        """What changed, old -> new, with the calendar entry updated (REQUEST, a higher SEQUENCE). `published`: a
        follow-up the registrant has not had yet, carried along (one email, not two)."""
        new = facts_of(self.meeting)
        found = changes(old, new)
        if not found:
            raise ValueError("no change to announce")
        personal_url = self.personal_url(item)
        if published is not None:
            teams_link = published.teams_link
        context = {
            "changes": found,
            "new": new,
            "personal_url": personal_url,
            "teams_link": published.teams_link if published is not None else "",
            "papers": email_papers(personal_url, published),
        }
        entry = self.entry(item, now, sequence, method="REQUEST", teams_link=teams_link)
        return self.composer.compose("meeting_change", item, now, context, entry)

    def called_off(self, item: StoredRegistration, now: dt.datetime, old: CalendarFacts, sequence: int) -> EmailMessage:
        """The meeting will not take place: the reason, and the entry cancelled (METHOD:CANCEL)."""
        if not self.meeting.cancelled:
            raise ValueError("the meeting is not called off")
        context = {"old": old, "reason": self.meeting.cancelled_reason}
        entry = self.entry(item, now, sequence, method="CANCEL")
        return self.composer.compose("meeting_cancelled", item, now, context, entry)
