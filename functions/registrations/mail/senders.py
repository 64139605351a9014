"""Sending email: the local outbox (the embedded default) and Amazon SES (production).

Messages are built by composer.py; every sender takes a finished `email.message.EmailMessage` and either delivers
it or raises `MailNotSent`.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Mapping
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..local.owner_only import private_folder, write_private

if TYPE_CHECKING:
    from ..settings import Settings

log = logging.getLogger(__name__)


class MailNotSent(Exception):
    """The message could not be handed over for delivery; the caller records it and may try again."""


class MailOutcomeUnknown(Exception):
    """The message may or may not have been accepted (e.g. a timeout after sending). Not MailNotSent: a caller that
    retries on MailNotSent must not send this one again on its own, or the person could get it twice."""


class Sender(Protocol):
    def send(self, message: EmailMessage, recipient: str, tags: Mapping[str, str] | None = None) -> str:
        """Deliver the message to `recipient` only, whatever its headers say; return an id for it. `tags` go with
        the message where the service keeps them (SES message tags), so later delivery events can be matched to
        it. Raises MailNotSent, or MailOutcomeUnknown when it may have been accepted."""


class OutboxSender:
    """Writes each message as an .eml file into a folder, so a newcomer can open it in a mail program."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def send(self, message: EmailMessage, recipient: str, tags: Mapping[str, str] | None = None) -> str:
        # The outbox keeps no tags: a local run has no delivery events to match them with.
        message_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
        subject = re.sub(r"[^A-Za-z0-9]+", "-", str(message.get("Subject", "bericht")))[:40].strip("-").lower()
        try:
            # Each message holds a name, an address and the personal link: for the owner's eyes only. The worker
            # writes while others read the folder; write_private moves a whole file into place.
            private_folder(self.folder)
            write_private(self.folder / f"{message_id}-{subject}.eml", message.as_bytes())
        except OSError as exc:
            raise MailNotSent(type(exc).__name__) from exc
        return message_id


class SesSender:
    """Amazon SES through boto3 (SESv2 SendEmail with the raw MIME message)."""

    # boto3 ships no types, so the client is Any.
    def __init__(
        self,
        client: Any = None,
        configuration_set: str | None = None,
        region: str | None = None,
        profile: str | None = None,
    ) -> None:
        self._client = client
        self._region = region
        self._profile = profile
        self.configuration_set = configuration_set

    @classmethod
    def for_region(cls, region: str, configuration_set: str | None = None, profile: str | None = None) -> SesSender:
        # The client is made on first send: building it costs ~0.15 s of every Lambda cold start otherwise.
        return cls(configuration_set=configuration_set, region=region, profile=profile)

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            # One attempt: botocore must not send SendEmail again after a timeout, or a person could get it twice.
            config = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "total_max_attempts": 1})
            session = boto3.Session(profile_name=self._profile) if self._profile else boto3.Session()
            self._client = session.client("sesv2", region_name=self._region, config=config)
        return self._client

    def send(self, message: EmailMessage, recipient: str, tags: Mapping[str, str] | None = None) -> str:
        from botocore.exceptions import BotoCoreError, ClientError, ConnectionClosedError, ReadTimeoutError

        # The recipient named explicitly: without Destination, SES would take every address in the headers.
        request: dict[str, Any] = {
            "Destination": {"ToAddresses": [recipient]},
            "Content": {"Raw": {"Data": message.as_bytes()}},
        }
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        if tags:
            request["EmailTags"] = [{"Name": name, "Value": value} for name, value in tags.items()]
        try:
            response = self.client.send_email(**request)
        except (ReadTimeoutError, ConnectionClosedError) as exc:
            # The request went out; SES may have accepted it.
            raise MailOutcomeUnknown(type(exc).__name__) from exc
        except (ClientError, BotoCoreError) as exc:
            raise MailNotSent(type(exc).__name__) from exc
        message_id: str = response["MessageId"]
        return message_id


def sender_from_settings(settings: Settings) -> Sender:
    if settings.mail_backend == "ses":
        return SesSender.for_region(
            settings.ses_region or settings.aws_region,
            settings.ses_configuration_set or None,
            settings.aws_profile or None,
        )
    return OutboxSender(Path(settings.mail_outbox))
