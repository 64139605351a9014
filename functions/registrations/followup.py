"""The follow-up mailing: every active registrant gets the Teams link and the meeting papers, once.

Who gets it (the plan) and the sending run live here. The content is checked in followup_content.py, the message
is built by mail/composer.py, the delivery goes through a mail sender, and every write to the table through
repository.py.

Why claim → send → confirm: a send and the record of it cannot be one atomic step. The run first claims the
registration with a conditional update, then sends, then records the send time and drops the claim. A crash between
sending and recording leaves a claim without a send time; later runs never send to such a registration on their own,
but list it as *unconfirmed* so a person can check and then choose `--unconfirmed resend` or `--unconfirmed mark-sent`.
So nothing is sent twice without someone deciding it, and nobody is silently forgotten.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

from .delivery_status import CLAIM_TAG, EVENT_TAG
from .event import Event
from .exceptions import StoreUnavailable
from .followup_content import FollowupContent
from .followup_records import FollowupRecords
from .items import local_iso
from .mail import ics
from .mail.composer import Attachment, MessageComposer
from .mail.rate import RateLimiter
from .mail.senders import MailNotSent, Sender

SENT_AT = "followup_sent_at"
CLAIM = "followup_claim"
CLAIMED_AT = "followup_claimed_at"

# A claim younger than this may belong to a run that is still going; it is never resent or marked.
STALE_CLAIM_AFTER = dt.timedelta(minutes=10)
# Stop after this many failed sends in a row: SES is refusing (quota, credentials), more tries will not help.
MAX_FAILURES_IN_A_ROW = 5
UNCONFIRMED_CHOICES = ("report", "resend", "mark-sent")


# --- the message -----------------------------------------------------------------------------------------------


def build_message(
    event: Event,
    registration: Mapping[str, Any],
    content: FollowupContent,
    mail_from: str,
    now: dt.datetime | None = None,
) -> EmailMessage:
    """The follow-up for one registrant, from the composer; raises ValueError (or a subclass) when it cannot be
    made, before anything is claimed."""
    signatory, _, position = event.signatory.partition(", ")
    context = {
        "teams_link": content.teams_link,
        "papers": content.papers,
        "signatory": signatory,
        # The position follows the name on a line of its own, so it starts with a capital.
        "position": position[:1].upper() + position[1:],
    }
    moment = now or dt.datetime.now(dt.UTC)
    # The calendar entry follows: the same meeting, now with the Teams link as its place (a REQUEST that updates it).
    data, method = ics.invitation(
        event, registration, parseaddr(mail_from)[1], moment, teams_link=content.teams_link, change_at=moment
    )
    calendar = Attachment(
        data,
        filename=ics.filename(event),
        maintype="text",
        subtype="calendar",
        params={"charset": "utf-8", "method": method},
    )
    return MessageComposer(event, mail_from).compose("followup", registration, moment, context, calendar)


# --- who gets it -------------------------------------------------------------------------------------------------


@dataclass
class Plan:
    """The registrations of the event, split by what the run will do with them."""

    to_send: list[dict[str, Any]] = field(default_factory=list)
    already_sent: list[dict[str, Any]] = field(default_factory=list)
    unconfirmed: list[dict[str, Any]] = field(default_factory=list)
    cancelled: list[dict[str, Any]] = field(default_factory=list)


def make_plan(items: Sequence[Mapping[str, Any]]) -> Plan:
    plan = Plan()
    for item in items:
        if item.get("status", "registered") != "registered":
            plan.cancelled.append(dict(item))
        elif item.get(SENT_AT):
            plan.already_sent.append(dict(item))
        elif item.get(CLAIM):
            plan.unconfirmed.append(dict(item))
        else:
            plan.to_send.append(dict(item))
    # Early registrants first; a stable order makes runs easy to compare.
    for group in (plan.to_send, plan.unconfirmed):
        group.sort(key=lambda i: (str(i.get("registered_at", "")), str(i.get("email", ""))))
    return plan


def is_stale(item: Mapping[str, Any], now: dt.datetime) -> bool:
    try:
        claimed = dt.datetime.fromisoformat(str(item.get(CLAIMED_AT, "")))
    except ValueError:
        return True
    if claimed.tzinfo is None:
        return True
    return now - claimed >= STALE_CLAIM_AFTER


# --- sending -----------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    sent: list[str] = field(default_factory=list)
    marked_sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    # Claimed, cancelled or sent by someone else between planning and claiming: nothing done.
    skipped: list[str] = field(default_factory=list)
    # Sent, but the send could not be recorded: the claim stays, and later runs report it.
    unrecorded: list[str] = field(default_factory=list)
    stopped_early: str = ""

    @property
    def needs_attention(self) -> bool:
        return bool(self.failed or self.unrecorded or self.stopped_early)


class FollowupMailing:
    def __init__(
        self,
        event: Event,
        records: FollowupRecords,
        sender: Sender,
        content: FollowupContent,
        mail_from: str,
        clock: Callable[[], dt.datetime],
        limiter: RateLimiter,
        report: Callable[[str], None] = lambda line: None,
        stop_requested: Callable[[], bool] = lambda: False,
    ) -> None:
        self.event = event
        self.records = records
        self.sender = sender
        self.content = content
        self.mail_from = mail_from
        self.clock = clock
        self.limiter = limiter
        self.report = report
        self.stop_requested = stop_requested
        self.claim_id = uuid.uuid4().hex

    def local_time(self) -> str:
        return local_iso(self.clock(), self.event)

    def run(self, plan: Plan, unconfirmed: str = "report") -> Outcome:
        """Send to everyone in plan.to_send; with `unconfirmed` resend or mark the stale unconfirmed claims."""
        if unconfirmed not in UNCONFIRMED_CHOICES:
            raise ValueError(unconfirmed)
        outcome = Outcome()
        now = self.clock()
        stale = [i for i in plan.unconfirmed if is_stale(i, now)]
        if unconfirmed == "mark-sent":
            for item in stale:
                # The send happened right after the claim, so the claim time is the best send time we know.
                if self.records.confirm_followup(
                    self.event.id, item["email"], item[CLAIM], item[CLAIMED_AT], teams_link=self.content.teams_link
                ):
                    outcome.marked_sent.append(item["email"])
                else:
                    outcome.skipped.append(item["email"])
        work = [(item, None) for item in plan.to_send]
        if unconfirmed == "resend":
            work = [(item, item[CLAIM]) for item in stale] + work
        failures_in_a_row = 0
        total = len(work)
        for number, (item, replacing) in enumerate(work, start=1):
            if self.stop_requested():
                outcome.stopped_early = "onderbroken"
                break
            email = item["email"]
            try:
                message = build_message(self.event, item, self.content, self.mail_from, self.clock())
            except (ValueError, TypeError, UnicodeError) as exc:
                outcome.failed.append((email, f"bericht kon niet worden gemaakt ({type(exc).__name__})"))
                continue
            self.limiter.wait()
            if not self.records.claim_followup(self.event.id, email, self.claim_id, self.local_time(), replacing):
                outcome.skipped.append(email)
                continue
            try:
                message_id = self.sender.send(message, email, tags={EVENT_TAG: self.event.id, CLAIM_TAG: self.claim_id})
            except MailNotSent as exc:
                # Certainly not handed over: give the claim back so the next run tries again.
                outcome.failed.append((email, str(exc) or type(exc).__name__))
                try:
                    self.records.release_followup(self.event.id, email, self.claim_id)
                except StoreUnavailable:
                    outcome.stopped_early = "de tabel gaf geen antwoord bij het vrijgeven van een mislukte verzending"
                    break
                failures_in_a_row += 1
                if failures_in_a_row >= MAX_FAILURES_IN_A_ROW:
                    outcome.stopped_early = f"{MAX_FAILURES_IN_A_ROW} keer achter elkaar mislukt"
                    break
                continue
            failures_in_a_row = 0
            try:
                recorded = self.records.confirm_followup(
                    self.event.id, email, self.claim_id, self.local_time(), message_id, self.content.teams_link
                )
            except StoreUnavailable:
                # Sent but not recorded: the claim stays, so no later run sends again on its own. Stop: the
                # table is not answering, and every further send would end the same way.
                outcome.unrecorded.append(email)
                outcome.stopped_early = "de tabel gaf geen antwoord bij het vastleggen"
                break
            if recorded:
                outcome.sent.append(email)
            else:
                outcome.unrecorded.append(email)
            self.report(f"[{number}/{total}] verstuurd")
        return outcome
