"""Personal management links: a signed token per (event, email), with no account and no password.

The token is signed with itsdangerous (Flask brings it) and carries the event id, the email address and an
expiry. The address is sealed, not readable: the link's path ends up in access logs (Zappa logs every request
line) and browser histories, and an email address in base64 there would be personal data in the logs.
The seal is a keystream of HMAC-SHA256 blocks over a random nonce (a PRF in counter mode); the itsdangerous
signature over the whole token authenticates it (encrypt-then-MAC), so no extra library is needed.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets

from itsdangerous import BadSignature, URLSafeSerializer

from .event import Event, dutch_date
from .exceptions import ExpiredLink, ForeignLink, InvalidLink

# Long enough to view the registration for a while after the meeting; short enough not to live on for ever.
LINK_VALID_AFTER_END = dt.timedelta(days=30)
# Real tokens are about 150 characters; anything far longer is not ours and is refused before any work.
MAX_TOKEN_LENGTH = 600
NONCE_BYTES = 12
SALT = "registrations.web.personal-link.v1"


class ManageLinks:
    def __init__(self, secret: str, event: Event):
        if not secret:
            raise ValueError("a token secret is required")
        self.event = event
        self._serializer = URLSafeSerializer(secret, salt=SALT)
        # A key of its own for the seal, derived from the secret, so sealing and signing never share a key.
        self._seal_key = hmac.new(secret.encode("utf-8"), SALT.encode() + b".seal", hashlib.sha256).digest()

    @property
    def valid_until(self) -> dt.datetime:
        return self.event.ends_at + LINK_VALID_AFTER_END

    @property
    def valid_until_text(self) -> str:
        return dutch_date(self.valid_until.date())

    def token_for(self, email: str) -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._xor(email.encode("utf-8"), nonce)
        payload = [self.event.id, _b64(nonce + sealed), int(self.valid_until.timestamp())]
        return self._serializer.dumps(payload)

    def email_for(self, token: str, now: dt.datetime) -> str:
        """The address this token was made for; raises InvalidLink, ForeignLink or ExpiredLink."""
        contact = self.event.contact_email
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
            raise InvalidLink(contact=contact)
        try:
            payload = self._serializer.loads(token)
        except BadSignature as exc:  # BadPayload is a BadSignature too
            raise InvalidLink(contact=contact) from exc
        # The signature was ours, so the shape is too; checked anyway so that a bug can never become a 500.
        if not (isinstance(payload, list) and len(payload) == 3 and isinstance(payload[0], str)
                and isinstance(payload[1], str) and isinstance(payload[2], int)):
            raise InvalidLink(contact=contact)
        event_id, sealed, expires = payload
        if event_id != self.event.id:
            raise ForeignLink()
        if now.timestamp() >= expires:
            until = dt.datetime.fromtimestamp(expires - 1, self.event.timezone).date()
            raise ExpiredLink(until=dutch_date(until), contact=contact)
        try:
            raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
            return self._xor(raw[NONCE_BYTES:], raw[:NONCE_BYTES]).decode("utf-8")
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidLink(contact=contact) from exc

    def calendar_uid(self, email: str, domain: str) -> str:
        """A stable UID for this registration's calendar entry that does not show the address."""
        digest = hmac.new(self._seal_key, f"uid|{self.event.id}|{email}".encode(), hashlib.sha256)
        return f"{self.event.id}-{digest.hexdigest()[:32]}@{domain}"

    def _xor(self, data: bytes, nonce: bytes) -> bytes:
        stream = bytearray()
        counter = 0
        while len(stream) < len(data):
            block = hmac.new(self._seal_key, nonce + counter.to_bytes(4, "big"), hashlib.sha256).digest()
            stream.extend(block)
            counter += 1
        return bytes(a ^ b for a, b in zip(data, stream[: len(data)], strict=True))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")
