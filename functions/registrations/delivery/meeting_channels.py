"""The deliverer's channels for the meeting's own emails (delivery/channels.py): reminders, and a changed or called-off
meeting. Both are derived: what is owed follows from the item, the meeting's facts and one read per round, so every
trigger (stream, sweep, the local worker) works it out alike.

- `reminder` (slot prefix `reminder_mail_`): delivery/reminders.py says which reminder an item owes; the owed id names the
  reminder's moment. Not unsolicited (channels.UNSOLICITED): no request causes it, so the mailbox limit never holds
  it back past the start.
- `meeting` (slot prefix `meeting_mail_`): owed while the deployed facts are the announced ones
  (delivery/meeting_changes.py) and differ from what the registrant was last sent (`meeting_facts`). Deployed but not yet
  confirmed, nothing is owed: a rollback before the confirmation mails nobody. The owed id names the announcement's
  version, so a later change is owed anew and the same one never twice.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from ..mail.meeting_mail import MeetingMailer
from ..meeting import Meeting, Reminder
from ..registration.calendar_facts import SENT_BEFORE, CalendarFacts, facts_of, last_sent
from ..registration.item import local_iso
from ..repository import RegistrationAttributes, RegistrationRepository, StoredRegistration
from ..repository.statuses import RegistrationStatus, SendState
from . import meeting_changes, reminders
from .channels import Owed, Round, received_followup
from .followup import received_version
from .publication import Publication
from .slots import Slot

REMINDER = Slot("reminder", "reminder_mail_")
MEETING = Slot("meeting", "meeting_mail_")
# Round.extras: the owed id of the announced facts, or None while the deployed facts are not announced.
ANNOUNCED = "meeting_announced"


class ReminderChannel:
    slot = REMINDER

    def __init__(self, meeting: Meeting, mailer: MeetingMailer):
        self.meeting = meeting
        self.mailer = mailer

    def owed(self, item: StoredRegistration, rnd: Round) -> Owed | None:
        if item.get(REMINDER.attr("claim_for")):
            return None
        reminder = reminders.owed(item, self.meeting, rnd.now)
        if reminder is None:
            return None
        return Owed(reminders.KIND, reminders.owed_id(reminder), local_iso(reminder.moment, self.meeting))

    def sweep_filter(self, rnd: Round) -> tuple[str, dict[str, str], dict[str, Any]]:
        names: dict[str, str] = {"#r_claim_for": REMINDER.attr("claim_for")}
        reminder = reminders.due(self.meeting, rnd.now)
        if reminder is None:
            return "attribute_exists(#r_claim_for)", names, {}
        names.update({"#r_status": "status", "#r_done": REMINDER.attr("done")})
        return (
            "attribute_exists(#r_claim_for) OR (#r_status = :r_registered AND "
            "(attribute_not_exists(#r_done) OR #r_done <> :r_owed))",
            names,
            {":r_registered": RegistrationStatus.REGISTERED, ":r_owed": reminders.owed_id(reminder)},
        )

    def _reminder(self, owed: Owed) -> Reminder:
        return next(r for r in self.meeting.reminders if reminders.owed_id(r) == owed.owed_id)

    def build(self, item: StoredRegistration, owed: Owed, rnd: Round, sequence: int) -> EmailMessage:
        return self.mailer.reminder(item, rnd.now, self._reminder(owed), rnd.publication, sequence)

    def settled_extra(self, item: StoredRegistration, owed: Owed, status: str, rnd: Round) -> RegistrationAttributes:
        return reminders.recorded(item, self._reminder(owed), status)


class MeetingChannel:
    slot = MEETING

    def __init__(self, meeting: Meeting, repository: RegistrationRepository, mailer: MeetingMailer):
        self.meeting = meeting
        self.repository = repository
        self.mailer = mailer
        self.deployed = facts_of(meeting)

    def announced(self, rnd: Round) -> str | None:
        """The owed id of the deployed facts when they are the announced ones (read once per round), else None."""
        if ANNOUNCED not in rnd.extras:
            latest = meeting_changes.current(self.repository, self.meeting.id)
            facts = latest.facts if latest else SENT_BEFORE
            owed_id = latest.owed_id if latest else f"0:{SENT_BEFORE.fingerprint}"
            rnd.extras[ANNOUNCED] = owed_id if facts == self.deployed else None
        value = rnd.extras[ANNOUNCED]
        return str(value) if value else None

    def owed(self, item: StoredRegistration, rnd: Round) -> Owed | None:
        if item.get(MEETING.attr("claim_for")):
            return None
        owed_id = self.announced(rnd)
        if owed_id is None or item.get(MEETING.attr("done")) == owed_id:
            return None
        if not meeting_changes.owes_change(item, self.deployed):
            return None
        if not self.deployed.cancelled and rnd.now >= self.meeting.ends_at:
            return None  # over: a change no longer helps anyone
        kind = "meeting_cancelled" if self.deployed.cancelled else "meeting_change"
        return Owed(kind, owed_id)

    def sweep_filter(self, rnd: Round) -> tuple[str, dict[str, str], dict[str, Any]]:
        names: dict[str, str] = {"#g_claim_for": MEETING.attr("claim_for")}
        if self.announced(rnd) is None:
            return "attribute_exists(#g_claim_for)", names, {}
        names.update({"#g_status": "status", "#g_facts": "meeting_facts"})
        # Items from before `meeting_facts` were sent SENT_BEFORE: they owe only when the facts are other than those.
        differs = "(attribute_exists(#g_facts) AND #g_facts <> :g_facts)"
        if self.deployed != SENT_BEFORE:
            differs = f"({differs} OR attribute_not_exists(#g_facts))"
        return (
            f"attribute_exists(#g_claim_for) OR (#g_status = :g_registered AND {differs})",
            names,
            {":g_registered": RegistrationStatus.REGISTERED, ":g_facts": self.deployed.as_text()},
        )

    @staticmethod
    def carried(item: StoredRegistration, owed: Owed, rnd: Round) -> Publication | None:
        """A follow-up version the registrant has not had yet, which the change email carries: when the Teams link
        changes together with the meeting, one email, not two (this channel runs before the follow-up's)."""
        publication = rnd.publication
        if owed.kind != "meeting_change" or publication is None:
            return None
        return publication if received_version(item, rnd) < publication.version else None

    def build(self, item: StoredRegistration, owed: Owed, rnd: Round, sequence: int) -> EmailMessage:
        old: CalendarFacts = last_sent(item)
        if owed.kind == "meeting_cancelled":
            return self.mailer.called_off(item, rnd.now, old, sequence)
        teams_link = str(item.get("teams_link", ""))
        published = self.carried(item, owed, rnd)
        return self.mailer.change(item, rnd.now, old, sequence, teams_link=teams_link, published=published)

    def settled_extra(self, item: StoredRegistration, owed: Owed, status: str, rnd: Round) -> RegistrationAttributes:
        if status not in (SendState.SENT, SendState.UNKNOWN):
            return {}
        # What the registrant now has, and what hangs on the date: the item's TTL.
        extra: RegistrationAttributes = {
            "meeting_facts": self.deployed.as_text(),
            "expires_at": int(self.meeting.expires_at.timestamp()),
        }
        published = self.carried(item, owed, rnd)
        if published is not None:
            # Recorded as the follow-up's own send records it, so its channel owes this version no more.
            extra.update(received_followup(published, status))
        return extra
