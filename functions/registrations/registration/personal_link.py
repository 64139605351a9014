"""Personal links: an itsdangerous-signed pair of a random registration id and a link version.

No account and no password: the link is the key. It names the registration by its random id (new for every
registration, found through the table's secondary index), never by the address, so access logs and browser
histories hold no personal data. The version is stored on the item too: raising it there revokes every link sent
so far, and the deliverer always builds the link of the current version. Registering again after a cancellation
makes a new id, so an older link controls nothing.

Links of the first scheme (the address sealed in the token) were signed under another salt: they fail the signature
and read as invalid.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

from ..errors import ExpiredLink, ForeignLink, InvalidLink
from ..meeting import Meeting, dutch_date

# Long enough to view the registration for a while after the meeting; short enough not to live on for ever.
LINK_VALID_AFTER_END = dt.timedelta(days=30)
# Real tokens are about 110 characters; anything far longer is not ours and is refused before any work.
MAX_TOKEN_LENGTH = 600
SALT = "registrations.web.personal-link.v2"


@dataclass(frozen=True)
class LinkKey:
    """What a valid token names: the registration and the version of its link."""

    registration_id: str
    version: int


def meeting_of(token: object, secret: str) -> str | None:
    """The meeting a genuine token names, read before that meeting's links check the rest; None for a token that is
    not ours (changed, cut short, signed with another secret or under the first scheme)."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        payload = URLSafeSerializer(secret, salt=SALT).loads(token)
    except BadSignature:
        return None
    meeting_id = payload[0] if isinstance(payload, list) and payload else None
    return meeting_id if isinstance(meeting_id, str) else None


class PersonalLinks:
    def __init__(self, secret: str, meeting: Meeting):
        if not secret:
            raise ValueError("a token secret is required")
        self.meeting = meeting
        self._serializer = URLSafeSerializer(secret, salt=SALT)
        # A key of its own for calendar UIDs, derived from the secret, so it never shares a key with the signature.
        self._uid_key = hmac.new(secret.encode("utf-8"), SALT.encode() + b".uid", hashlib.sha256).digest()

    @property
    def valid_until(self) -> dt.datetime:
        return self.meeting.ends_at + LINK_VALID_AFTER_END

    @property
    def valid_until_text(self) -> str:
        return dutch_date(self.valid_until.date())

    def token_for(self, registration_id: str, version: int) -> str:
        return self._serializer.dumps(
            [self.meeting.id, registration_id, int(version), int(self.valid_until.timestamp())]
        )

    def key_for(self, token: str, now: dt.datetime) -> LinkKey:
        """The registration this token names; raises InvalidLink, ForeignLink or ExpiredLink."""
        contact = self.meeting.contact_email
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
            raise InvalidLink(contact=contact)
        try:
            payload = self._serializer.loads(token)
        except BadSignature as exc:  # BadPayload is a BadSignature too
            raise InvalidLink(contact=contact) from exc
        # The signature was ours, so the shape is too; checked anyway so that a bug can never become a 500.
        if not (
            isinstance(payload, list)
            and len(payload) == 4
            and isinstance(payload[0], str)
            and isinstance(payload[1], str)
            and payload[1]
            and type(payload[2]) is int
            and type(payload[3]) is int
        ):
            raise InvalidLink(contact=contact)
        event_id, registration_id, version, _signed_until = payload
        if event_id != self.meeting.id:
            raise ForeignLink()
        # The validity follows the facts, not the moment the link was made: when the meeting moves, every link sent
        # so far moves with it (the signed moment stays in the token for its shape only).
        if now >= self.valid_until:
            raise ExpiredLink(until=self.valid_until_text, contact=contact)
        return LinkKey(registration_id, version)
