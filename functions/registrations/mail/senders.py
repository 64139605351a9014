"""Sending email: the local outbox (the embedded default) and Amazon SES (production).

Message building (the confirmation with its .ics, the follow-up) lives beside these senders; every sender takes a
finished `email.message.EmailMessage` and either delivers it or raises `MailNotSent`.
"""

from __future__ import annotations

import base64
import logging
import re
import time
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..settings import Settings

log = logging.getLogger(__name__)


class MailNotSent(Exception):
    """The message could not be handed over for delivery; the caller records it and may try again."""


class MailOutcomeUnknown(Exception):
    """The message may or may not have been accepted (e.g. a timeout after sending). Not MailNotSent: a caller that
    retries on MailNotSent must not send this one again on its own, or the person could get it twice."""


class Sender(Protocol):
    def send(self, message: EmailMessage, recipient: str) -> str:
        """Deliver the message to `recipient` only, whatever its headers say; return an id for it. Raises
        MailNotSent."""


# Printable ASCII that may stand unquoted in a display name (RFC 5322 atext, and spaces between atoms).
_ATEXT = re.compile(r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+")
# Bytes of UTF-8 per encoded word: 45 bytes are 60 base64 characters, 72 with the =?utf-8?b?...?= frame (RFC 2047
# allows 75).
_EW_BYTES = 45


class AddressHeader(str):
    """An address header (To, From) that the email package stores and writes as we made it, never refolded.

    Why: CPython's folder (3.11 to 3.13) drops the quotes around a long display name when it splits it over lines,
    so a name like 'A, <x@evil.example>' becomes extra recipients. The email package passes a value with a `name`
    and a `fold()` through unchanged (EmailPolicy.header_store_parse and fold), so this header holds its own
    folded form: atoms as they are, anything else as RFC 2047 base64 encoded words, which contain no specials.
    """

    name: str
    _folded_words: tuple[str, ...]

    def __new__(cls, name: str, display_name: str, addr_spec: str) -> "AddressHeader":
        if not addr_spec.isascii() or any(c in addr_spec for c in '<>",; \t\r\n') or addr_spec.count("@") != 1:
            raise ValueError("not a deliverable address")
        words = _display_words(display_name) + [f"<{addr_spec}>"]
        header = super().__new__(cls, " ".join(words))
        header.name = name
        header._folded_words = tuple(words)
        return header

    def fold(self, *, policy: Any) -> str:
        linesep = policy.linesep
        line, lines = f"{self.name}:", []
        for word in self._folded_words:
            # Fold only between words, at 78 characters where possible.
            if len(line) + 1 + len(word) > 78 and line != f"{self.name}:":
                lines.append(line)
                line = ""
            line += " " + word
        lines.append(line)
        return linesep.join(lines) + linesep


def _display_words(display_name: str) -> list[str]:
    words = display_name.split()
    # "=?" would make a mail program read an atom as an encoded word of the sender's choosing.
    if all(_ATEXT.fullmatch(word) and "=?" not in word for word in words):
        return words
    raw = " ".join(words).encode("utf-8")
    chunks, start = [], 0
    while start < len(raw):
        end = min(start + _EW_BYTES, len(raw))
        while end < len(raw) and raw[end] & 0xC0 == 0x80:  # never split a UTF-8 character
            end -= 1
        chunks.append(raw[start:end])
        start = end
    return [f"=?utf-8?b?{base64.b64encode(chunk).decode('ascii')}?=" for chunk in chunks]


def address_header(name: str, display_name: str, addr_spec: str) -> AddressHeader:
    """The header `name` (To, From) for one address; see AddressHeader for why it is built by hand."""
    return AddressHeader(name, display_name, addr_spec)


class OutboxSender:
    """Writes each message as an .eml file into a folder, so a newcomer can open it in a mail program."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def send(self, message: EmailMessage, recipient: str) -> str:
        message_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
        subject = re.sub(r"[^A-Za-z0-9]+", "-", str(message.get("Subject", "bericht")))[:40].strip("-").lower()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / f"{message_id}-{subject}.eml").write_bytes(message.as_bytes())
        except OSError as exc:
            raise MailNotSent(type(exc).__name__) from exc
        return message_id


class SesSender:
    """Amazon SES through boto3 (SESv2 SendEmail with the raw MIME message)."""

    def __init__(self, client=None, configuration_set: str | None = None, region: str | None = None):
        self._client = client
        self._region = region
        self.configuration_set = configuration_set

    @classmethod
    def for_region(cls, region: str, configuration_set: str | None = None) -> "SesSender":
        # The client is made on first send: building it costs ~0.15 s of every Lambda cold start otherwise.
        return cls(configuration_set=configuration_set, region=region)

    @property
    def client(self):
        if self._client is None:
            import boto3
            from botocore.config import Config

            # One attempt: botocore must not send SendEmail again after a timeout, or a person could get it twice.
            config = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "total_max_attempts": 1})
            self._client = boto3.client("sesv2", region_name=self._region, config=config)
        return self._client

    def send(self, message: EmailMessage, recipient: str) -> str:
        from botocore.exceptions import BotoCoreError, ClientError, ConnectionClosedError, ReadTimeoutError

        # The recipient named explicitly: without Destination, SES would take every address in the headers.
        request: dict[str, Any] = {
            "Destination": {"ToAddresses": [recipient]},
            "Content": {"Raw": {"Data": message.as_bytes()}},
        }
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        try:
            response = self.client.send_email(**request)
        except (ReadTimeoutError, ConnectionClosedError) as exc:
            # The request went out; SES may have accepted it.
            raise MailOutcomeUnknown(type(exc).__name__) from exc
        except (ClientError, BotoCoreError) as exc:
            raise MailNotSent(type(exc).__name__) from exc
        return response["MessageId"]


def sender_from_settings(settings: Settings) -> Sender:
    if settings.mail_backend == "ses":
        return SesSender.for_region(settings.ses_region or settings.aws_region, settings.ses_configuration_set or None)
    return OutboxSender(Path(settings.mail_outbox))
