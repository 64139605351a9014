"""What the table stores, as TypedDicts that strict mypy checks: a misspelt attribute is a type error.

Items are flat, with attribute names a person understands at a glance, because staff read them in the AWS console
and download them as CSV. STAFF.md, section 2, explains every attribute of a registration; a test keeps the two in
step. Besides the meeting's registrations (partition: the meeting's id), the table holds records of other
partitions: the inboxes (registration/inboxes.py), the published follow-up (delivery/publication.py), the
announced changes of the meeting (delivery/meeting_changes.py), and two kinds of record that are written only
through update expressions and never read back (delivery/mailbox_limits.py, delivery/staff_alert.py).

Numbers go in as int and come back from boto3 as Decimal: `Number` says both, so a reader converts.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypedDict

Number = int | Decimal


class RegistrationKey(TypedDict):
    """The key of a registration (table_schema.json): the meeting's id, and the address as stored."""

    event: str
    email: str


class RegistrationAttributes(TypedDict, total=False):
    """Every attribute of a registration but its key; each is absent until something writes it. Times are ISO 8601
    in Dutch time."""

    # What the person typed (registration/validation.py), and the labels of their choices.
    given_name: str
    family_name: str
    organisation: str
    organisation_code: str
    role: str
    role_code: str
    on_behalf_of: str
    remark: str
    # The registration itself.
    status: str  # a RegistrationStatus value
    registered_at: str
    consent_at: str
    expires_at: Number  # DynamoDB's TTL attribute (schema.TTL_ATTRIBUTE): seconds since the epoch
    submission_id: str  # new for every request: a put retried by botocore knows its own earlier attempt by it
    registration_id: str  # random, new for every registration; the personal link names it
    link_version: Number  # raised to revoke every link sent so far
    cancelled_at: str
    cancelled_by: str  # "staff" when staff cancelled it on the person's behalf
    changed_at: str
    # The facts of the last calendar entry sent (registration/calendar_facts.py): date|start|end|place|gaat (niet) door.
    meeting_facts: str
    # The reminders sent, by their moment (meeting.Reminder.key), oldest first, separated by ", ".
    reminders_sent: str
    # SES's last verdict on an email to this address (delivery/ses_events.py): a SesVerdict value, and when.
    email_status: str
    email_status_at: str
    # The state-change email a request owes (registration/item.owed_mail), and its slot (delivery/slots.py).
    mail_owed: str  # one of registration/item.MAIL_KINDS; absent when nothing is owed
    mail_owed_id: str  # new for every state change that owes mail
    mail_owed_at: str
    mail_status: str  # a SendState value: the deliverer's last step
    mail_status_at: str
    mail_kind: str  # the kind of email that mail_status is about
    mail_claim: str  # the claim id of the last send; also the SES message tag
    mail_claim_for: str  # the mail_owed_id being sent right now
    mail_claimed_at: str
    mail_sending_at: str  # written just before the sender is called
    mail_attempts: Number
    mail_retry_at: str
    mail_sent_at: str
    mail_message_id: str
    mail_failure: str  # why a failed email failed (an exception's name)
    # The follow-up (delivery/followup.py): the version received, its Teams link, and its slot.
    followup_version: Number
    teams_link: str
    followup_mail_done: str  # the owed id last settled: a derived slot's own record (delivery/slots.py)
    followup_mail_status: str
    followup_mail_status_at: str
    followup_mail_kind: str
    followup_mail_claim: str
    followup_mail_claim_for: str
    followup_mail_claimed_at: str
    followup_mail_sending_at: str
    followup_mail_attempts: Number
    followup_mail_retry_at: str
    followup_mail_sent_at: str
    followup_mail_message_id: str
    followup_mail_failure: str
    # The reminders' slot (delivery/meeting_channels.py, delivery/reminders.py).
    reminder_mail_done: str
    reminder_mail_status: str
    reminder_mail_status_at: str
    reminder_mail_kind: str
    reminder_mail_claim: str
    reminder_mail_claim_for: str
    reminder_mail_claimed_at: str
    reminder_mail_sending_at: str
    reminder_mail_attempts: Number
    reminder_mail_retry_at: str
    reminder_mail_sent_at: str
    reminder_mail_message_id: str
    reminder_mail_failure: str
    # The slot of a changed or called-off meeting (delivery/meeting_channels.py).
    meeting_mail_done: str
    meeting_mail_status: str
    meeting_mail_status_at: str
    meeting_mail_kind: str
    meeting_mail_claim: str
    meeting_mail_claim_for: str
    meeting_mail_claimed_at: str
    meeting_mail_sending_at: str
    meeting_mail_attempts: Number
    meeting_mail_retry_at: str
    meeting_mail_sent_at: str
    meeting_mail_message_id: str
    meeting_mail_failure: str
    # Written by versions before the deliverer and the published follow-up, and kept as stored. The code reads
    # confirmation_status and followup_sent_at (the follow-up's first version); it writes none of these.
    confirmation_status: str  # "pending", "sent" or "failed"
    confirmation_at: str
    link_sent_at: str
    followup_sent_at: str
    followup_message_id: str
    followup_claim: str
    followup_claimed_at: str


class StoredRegistration(RegistrationKey, RegistrationAttributes):
    """One registration as DynamoDB holds it: what RegistrationRepository takes and gives."""


class InboxRecord(TypedDict, total=False):
    """One inbox's record (registration/inboxes.py; key: "mailboxes", a keyed hash of the mailbox)."""

    event: str
    email: str
    owner: str  # the address of the registration that holds the inbox, as stored
    taken_at: Number  # seconds since the epoch, to the millisecond
    sequence: Number  # the last calendar SEQUENCE this inbox was sent
    expires_at: Number


class PublishedPaperItem(TypedDict, total=False):
    title: str
    url: str
    file: str
    sha256: str


class PublicationItem(TypedDict, total=False):
    """One published version of the follow-up (delivery/publication.py; key: "publications", meeting#followup#n)."""

    event: str
    email: str
    meeting: str
    version: Number
    published_at: str
    teams_link: str
    papers: list[PublishedPaperItem]
    code: str
    expires_at: Number


class AnnouncedFacts(TypedDict, total=False):
    date: str
    start: str
    end: str
    place: str
    cancelled: bool


class AnnouncementItem(TypedDict, total=False):
    """One confirmed change of the meeting (delivery/meeting_changes.py; key: "announcements", meeting#meeting#n)."""

    event: str
    email: str
    version: Number
    facts: AnnouncedFacts
    confirmed_at: str
    reach: Number
