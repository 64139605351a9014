"""The staff alert: the meeting is less than 48 hours away and the follow-up with the Teams link is not published.

One alert goes to the staff topic (SNS, the stack's StaffAlertTopic; StaffEmail subscribes to it), at most once a
day. Which day's alert went out is kept in the table (partition `alerts`, through the repository), so every
invocation, on every container, sees it; a conditional update makes one of two racing rounds the sender. Locally
the alert is an .eml in the outbox. samenvatting.txt says the same at its top (reports/summary.py, `alert_text`).
"""

from __future__ import annotations

import datetime as dt
import logging
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

from ..mail.composer import MessageComposer
from ..mail.senders import OutboxSender, Sender
from ..meeting import Meeting
from ..repository import RegistrationRepository
from ..settings import Settings

log = logging.getLogger(__name__)

ALERTS_PARTITION = "alerts"
WARN_BEFORE = dt.timedelta(hours=48)
AT_MOST_EVERY = dt.timedelta(days=1)


def alert_text(meeting: Meeting, now: dt.datetime, published: bool) -> str:
    """The warning staff read, or "" when there is none to give."""
    if published or meeting.cancelled or not (meeting.starts_at - WARN_BEFORE <= now < meeting.starts_at):
        return ""
    hours = int((meeting.starts_at - now).total_seconds() // 3600)
    return (
        f"LET OP: de bijeenkomst begint over {hours} uur ({meeting.date_text} om {meeting.starts_at:%H.%M} uur) en de "
        "vervolgmail met de Teams-link is nog niet gepubliceerd. Publiceer hem zo snel mogelijk (STAFF.md)."
    )


class Notifier(Protocol):
    def notify(self, message: EmailMessage) -> None:
        """Hand the alert to staff; raises on failure (the alert is then tried again on the next round)."""


class TopicNotifier:
    """SNS: the topic's subscribers (StaffEmail) get the subject and the plain text."""

    def __init__(self, topic_arn: str, region: str, client: Any = None):
        self.topic_arn = topic_arn
        self.region = region
        self._client = client

    def notify(self, message: EmailMessage) -> None:
        if self._client is None:
            import boto3

            self._client = boto3.client("sns", region_name=self.region)
        body = message.get_body(("plain",))
        text = body.get_content() if isinstance(body, EmailMessage) else ""
        self._client.publish(
            TopicArn=self.topic_arn,
            Subject=str(message["Subject"]).encode("ascii", "replace").decode("ascii")[:99],
            Message=text,
        )


class OutboxNotifier:
    """Locally: the alert as an email in the outbox, to the contact person of bijeenkomst.toml."""

    def __init__(self, sender: Sender, recipient: str):
        self.sender = sender
        self.recipient = recipient

    def notify(self, message: EmailMessage) -> None:
        self.sender.send(message, self.recipient)


class StaffAlert:
    def __init__(
        self, meeting: Meeting, repository: RegistrationRepository, composer: MessageComposer, notifier: Notifier
    ):
        self.meeting = meeting
        self.repository = repository
        self.composer = composer
        self.notifier = notifier

    @property
    def key(self) -> str:
        return f"{self.meeting.id}#followup-not-published"

    def check(self, now: dt.datetime, published: bool) -> bool:
        """Send the alert if it is due and none went out in the last day; True when this call sent it."""
        text = alert_text(self.meeting, now, published)
        if not text:
            return False
        stamp = int(now.timestamp())
        taken = self.repository.update_record(
            ALERTS_PARTITION,
            self.key,
            "SET #at = :now ADD #count :one",
            "attribute_not_exists(#at) OR #at <= :day_ago",
            {"#at": "alerted_at", "#count": "alerts"},
            {":now": stamp, ":one": 1, ":day_ago": stamp - int(AT_MOST_EVERY.total_seconds())},
        )
        if not taken:
            return False
        staff = {"email": self.meeting.contact_email, "given_name": "", "family_name": ""}
        message = self.composer.compose("staff_alert", staff, now, {"alert": text})
        try:
            self.notifier.notify(message)
        except Exception as exc:  # noqa: BLE001 - SNS's or the disk's error, whatever it is, must not stop the round
            # Not sent: give the day back, so the next round tries again.
            self.repository.update_record(
                ALERTS_PARTITION, self.key, "REMOVE #at", "#at = :now", {"#at": "alerted_at"}, {":now": stamp}
            )
            log.warning("staff alert for event %s not sent: %s", self.meeting.id, type(exc).__name__)
            return False
        log.info("staff alert for event %s sent: the follow-up is not published", self.meeting.id)
        return True


def notifier_from_settings(settings: Settings, meeting: Meeting) -> Notifier | None:
    """The staff topic on AWS (STAFF_ALERT_TOPIC); the outbox locally; None when neither is configured."""
    if settings.staff_alert_topic:
        return TopicNotifier(settings.staff_alert_topic, settings.aws_region)
    if settings.mail_backend == "outbox" and settings.mail_outbox:
        return OutboxNotifier(OutboxSender(Path(settings.mail_outbox)), meeting.contact_email)
    return None


def check_staff_alert(
    repository: RegistrationRepository, meeting: Meeting, settings: Settings, now: dt.datetime
) -> bool:
    """What the triggers call after each round (lambda_handler/, dev/local.py). Reads the publication only within the
    48 hours; never raises: the alert must not stop the round that called it."""
    try:
        if not alert_text(meeting, now, published=False):
            return False
        notifier = notifier_from_settings(settings, meeting)
        if notifier is None:
            log.warning("staff alert for event %s due, but no STAFF_ALERT_TOPIC is set", meeting.id)
            return False
        from .publication import current

        published = current(repository, meeting.id) is not None
        composer = MessageComposer(meeting, settings.from_address)
        return StaffAlert(meeting, repository, composer, notifier).check(now, published)
    except Exception as exc:  # noqa: BLE001 - the store's error, whatever it is, is for the next round
        log.warning("staff alert for event %s not checked: %s", meeting.id, type(exc).__name__)
        return False
