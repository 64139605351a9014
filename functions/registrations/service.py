"""The rules of registering: validate and normalise the input, check the deadline, store once per address.

The same rules serve the JSON path, the no-JS form path, the Lambda handler and the staff command.
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

import idna
from email_validator import EmailNotValidError, validate_email

from .event import OTHER_ORGANISATION, Event, dutch_date
from .exceptions import (
    ChangesClosed,
    DuplicateRegistration,
    InvalidRegistration,
    RegistrationCancelled,
    RegistrationClosed,
    RegistrationError,
    RegistrationNotFound,
)
from .mail.senders import MailNotSent
from .repository import RegistrationRepository

if TYPE_CHECKING:
    from .mail.confirmation import ConfirmationMailer
    from .links import ManageLinks

log = logging.getLogger(__name__)

FIELDS = (
    "given_name", "family_name", "email", "organisation", "organisation_other",
    "role", "on_behalf_of", "remark", "consent",
)
MAX_LENGTHS = {
    "given_name": 100,
    "family_name": 100,
    "email": 254,
    "organisation_other": 150,
    "on_behalf_of": 150,
    "remark": 1000,
}
CONSENT_VALUES = {"on", "ja", "yes", "true", "1"}
# Names go into the To header of every email; these characters could turn part of a name into another recipient.
NAME_FIELDS = ("given_name", "family_name")
ADDRESS_SPECIALS = frozenset('<>",;@')
# What a person may change through the personal link: everything they typed, except the address (the key).
CHANGEABLE = ("given_name", "family_name", "organisation", "organisation_code", "role", "role_code",
              "on_behalf_of", "remark")
# The email with the personal link goes to one address at most once per this interval, so that the form
# cannot be used to flood someone's inbox.
LINK_EMAIL_INTERVAL = dt.timedelta(minutes=10)
# A confirmation still "pending" after this long was cut off (e.g. the function stopped); retrying is safe.
STUCK_PENDING_AFTER = dt.timedelta(minutes=5)

# The Dutch messages, per field and rule. Tests read this table too.
MESSAGES = {
    "given_name.required": "Vul uw voornaam in.",
    "given_name.too_long": "Uw voornaam mag niet langer zijn dan 100 tekens.",
    "given_name.characters": "Gebruik in uw voornaam geen van deze tekens: < > \" , ; @",
    "family_name.required": "Vul uw achternaam in.",
    "family_name.too_long": "Uw achternaam mag niet langer zijn dan 100 tekens.",
    "family_name.characters": "Gebruik in uw achternaam geen van deze tekens: < > \" , ; @",
    "email.required": "Vul uw e-mailadres in.",
    "email.too_long": "Uw e-mailadres mag niet langer zijn dan 254 tekens.",
    "email.invalid": "Vul een geldig e-mailadres in, zoals naam@gemeente.nl.",
    "email.non_ascii": (
        "Wij kunnen geen e-mail sturen naar een adres met letters als ö of é vóór de @. "
        "Gebruik een ander e-mailadres."
    ),
    "email.domain": (
        "Wij kunnen het deel na de @ niet precies zo gebruiken als u het typte. "
        "Controleer het, of gebruik een ander e-mailadres."
    ),
    "organisation.required": "Kies uw organisatie.",
    "organisation.unknown": "Kies een organisatie uit de lijst.",
    "organisation_other.required": "Vul de naam van uw organisatie in.",
    "organisation_other.too_long": "De naam van uw organisatie mag niet langer zijn dan 150 tekens.",
    "role.required": "Kies uw rol.",
    "role.unknown": "Kies een rol uit de lijst.",
    "on_behalf_of.too_long": "De naam van de gemeente of provincie mag niet langer zijn dan 150 tekens.",
    "remark.too_long": "Uw vraag of opmerking mag niet langer zijn dan 1000 tekens.",
    "consent.required": "Geef aan dat u akkoord gaat met het gebruik van uw gegevens voor deze bijeenkomst.",
    "text.not_text": "Dit veld bevat geen gewone tekst. Vul het opnieuw in.",
    "text.control": "Gebruik in dit veld alleen gewone tekens, zonder tabs of regeleinden.",
}


def _clean(value: Any, multiline: bool = False) -> str:
    """Unicode NFC, trimmed; raises ValueError with a message key when the value is not plain text."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError("text.not_text")
    text = unicodedata.normalize("NFC", value).strip()
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn") and not (multiline and char in "\n\t"):
            raise ValueError("text.control")
    return text


def deliverable_address(text: str) -> str:
    """The address as we store and send to it: ASCII only, the domain in its IDNA (punycode) form, lower case.

    SES does not do SMTPUTF8, so a non-ASCII local part could never be delivered: refused. A non-ASCII domain is
    converted only when the conversion is exact (decoding it gives back what was typed), so the email goes to the
    domain the person meant; otherwise refused. Raises ValueError with a key of MESSAGES.
    """
    local, _, domain = text.rpartition("@")
    if not local.isascii():
        raise ValueError("email.non_ascii")
    try:
        # Syntax only: a DNS look-up would make the form slow and flaky.
        checked = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise ValueError("email.invalid") from None
    if not domain.isascii():
        try:
            exact = idna.decode(checked.ascii_domain) == unicodedata.normalize("NFC", domain).lower()
        except idna.IDNAError:
            exact = False
        if not exact:
            raise ValueError("email.domain")
    # One registration per address, compared case-insensitively.
    return checked.ascii_email.lower()


@dataclass(frozen=True)
class RegistrationInput:
    given_name: str
    family_name: str
    email: str
    organisation: str
    organisation_other: str
    role: str
    on_behalf_of: str
    remark: str


def validate(form: Mapping[str, Any], event: Event) -> RegistrationInput:
    """Check every field; raise InvalidRegistration with a Dutch message per field that is wrong."""
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    for field in FIELDS:
        if field == "consent":
            continue
        try:
            values[field] = _clean(form.get(field), multiline=field == "remark")
        except ValueError as exc:
            errors[field] = MESSAGES[str(exc)]
            values[field] = ""
            continue
        limit = MAX_LENGTHS.get(field)
        if limit and len(values[field]) > limit:
            errors[field] = MESSAGES[f"{field}.too_long"]

    for field in ("given_name", "family_name", "email", "organisation", "role"):
        if field not in errors and not values[field]:
            errors[field] = MESSAGES[f"{field}.required"]

    for field in NAME_FIELDS:
        if field not in errors and ADDRESS_SPECIALS.intersection(values[field]):
            errors[field] = MESSAGES[f"{field}.characters"]

    if "email" not in errors:
        try:
            values["email"] = deliverable_address(values["email"])
        except ValueError as exc:
            errors["email"] = MESSAGES[str(exc)]

    if "organisation" not in errors:
        if values["organisation"] == OTHER_ORGANISATION:
            if "organisation_other" not in errors and not values["organisation_other"]:
                errors["organisation_other"] = MESSAGES["organisation_other.required"]
        elif event.organisation_label(values["organisation"]) is None:
            errors["organisation"] = MESSAGES["organisation.unknown"]
        else:
            values["organisation_other"] = ""
            errors.pop("organisation_other", None)

    if "role" not in errors and event.role_label(values["role"]) is None:
        errors["role"] = MESSAGES["role.unknown"]

    consent = form.get("consent")
    if not (consent is True or (isinstance(consent, str) and consent.strip().lower() in CONSENT_VALUES)):
        errors["consent"] = MESSAGES["consent.required"]

    if errors:
        # Keep the order of the form, so the error summary reads top to bottom.
        raise InvalidRegistration(fields={f: errors[f] for f in FIELDS if f in errors})
    return RegistrationInput(**values)


def local_iso(moment: dt.datetime, event: Event) -> str:
    """A time people can read in a CSV: Amsterdam time with its offset, to the second."""
    return moment.astimezone(event.timezone).replace(microsecond=0).isoformat()


class RegistrationService:
    def __init__(self, event: Event, repository: RegistrationRepository, clock: Callable[[], dt.datetime],
                 mailer: "ConfirmationMailer | None" = None, links: "ManageLinks | None" = None):
        self.event = event
        self.repository = repository
        self.clock = clock
        self.mailer = mailer
        self.links = links or (mailer.links if mailer is not None else None)

    def registration_state(self) -> dict:
        now = self.clock()
        return {
            "open": self.event.is_registration_open(now),
            "closes_at": self.event.registration_closes_at.isoformat(),
        }

    def register(self, form: Mapping[str, Any]) -> dict[str, Any]:
        """Store the registration, then send the confirmation. A mail failure is recorded on the item and never
        undoes the registration."""
        now = self.clock()
        if not self.event.is_registration_open(now):
            raise RegistrationClosed(
                RegistrationClosed.message.format(
                    deadline=dutch_date(self.event.last_registration_day), contact=self.event.contact_email
                )
            )
        data = validate(form, self.event)
        item = self.new_item(data, now)
        try:
            self.repository.add(item)
        except DuplicateRegistration:
            self.send_link_again(data.email)
            raise
        log.info("registration stored for event %s", self.event.id)
        return self._confirm(item, now)

    def new_item(self, data: RegistrationInput, now: dt.datetime) -> dict[str, Any]:
        is_other = data.organisation == OTHER_ORGANISATION
        return {
            "event": self.event.id,
            "email": data.email,
            "given_name": data.given_name,
            "family_name": data.family_name,
            "organisation": data.organisation_other if is_other else self.event.organisation_label(data.organisation),
            "organisation_code": data.organisation,
            "role": self.event.role_label(data.role),
            "role_code": data.role,
            "on_behalf_of": data.on_behalf_of,
            "remark": data.remark,
            "status": "registered",
            "registered_at": local_iso(now, self.event),
            "consent_at": local_iso(now, self.event),
            "expires_at": int(self.event.expires_at.timestamp()),
            # New for every request: a put retried by botocore that meets its own earlier attempt knows it by this.
            "submission_id": uuid.uuid4().hex,
            # The confirmation goes out right after storing; the outcome replaces "pending".
            "confirmation_status": "pending",
            # The confirmation carries the personal link, so it counts for the re-send throttle.
            "link_sent_at": local_iso(now, self.event),
        }

    # Mail -------------------------------------------------------------------------------------------------

    def _deliver(self, item: Mapping[str, Any], now: dt.datetime, kind: str) -> bool:
        if self.mailer is None:
            log.warning("no mailer configured; %s email for event %s not sent", kind, self.event.id)
            return False
        try:
            self.mailer.send(item, now, kind)
        except MailNotSent as exc:
            log.warning("%s email for event %s not sent: %s", kind, self.event.id, exc)
            return False
        except Exception as exc:  # noqa: BLE001 - whatever breaks in the mail, the stored registration stands
            log.error("%s email for event %s failed: %s", kind, self.event.id, type(exc).__name__)
            return False
        log.info("%s email sent for event %s", kind, self.event.id)
        return True

    def _record_confirmation(self, item: dict[str, Any], sent: bool, now: dt.datetime,
                             extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        changes = {"confirmation_status": "sent" if sent else "failed", "confirmation_at": local_iso(now, self.event),
                   **(extra or {})}
        try:
            self.repository.update(self.event.id, item["email"], changes)
        except RegistrationError as exc:
            # The registration is stored; only the note about the email is missing ("pending" stays, and the
            # retry picks it up).
            log.warning("could not record the confirmation outcome for event %s: %s", self.event.id, exc.code)
            return item
        return {**item, **changes}

    def _confirm(self, item: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
        sent = self._deliver(item, now, "confirmation")
        if not sent and item.get("link_sent_at"):
            # Nothing reached the person: free the throttle, so registering again sends the link at once.
            try:
                if self.repository.set_if_unchanged(self.event.id, item["email"], "link_sent_at",
                                                    item["link_sent_at"], None):
                    item = {k: v for k, v in item.items() if k != "link_sent_at"}
            except RegistrationError:
                pass
        return self._record_confirmation(item, sent, now)

    def send_link_again(self, email: str) -> bool:
        """After a registration attempt for an address that is already registered: send the email with the
        personal link, at most once per LINK_EMAIL_INTERVAL. Never raises; the answer to the person is the same
        whatever happens here, so it reveals nothing."""
        now = self.clock()
        try:
            item = self.repository.get(self.event.id, email)
        except RegistrationError:
            return False
        if item.get("status") != "registered":
            return False
        previous = item.get("link_sent_at")
        if previous and now - _parse_time(previous) < LINK_EMAIL_INTERVAL:
            log.info("personal link for event %s held back by the throttle", self.event.id)
            return False
        stamp = local_iso(now, self.event)
        try:
            # The conditional update is the lock: of concurrent duplicates, only one moves link_sent_at on.
            if not self.repository.set_if_unchanged(self.event.id, email, "link_sent_at", previous, stamp):
                return False
        except RegistrationError:
            return False
        if self._deliver(item, now, "link"):
            if item.get("confirmation_status") != "sent":
                # The link email carries everything the confirmation does.
                self._record_confirmation(item, True, now)
            return True
        try:
            self.repository.set_if_unchanged(self.event.id, email, "link_sent_at", stamp, previous)
        except RegistrationError:
            pass
        return False

    def resend_confirmation(self, email: str) -> str:
        """Send the confirmation of one registration again (e.g. from the staff command after a failure).
        Returns the recorded outcome, "sent" or "failed"."""
        now = self.clock()
        item = self.repository.get(self.event.id, email)
        if item.get("status") != "registered":
            raise RegistrationCancelled()
        sent = self._deliver(item, now, "confirmation")
        self._record_confirmation(item, sent, now, {"link_sent_at": local_iso(now, self.event)} if sent else None)
        return "sent" if sent else "failed"

    def retry_failed_confirmations(self) -> dict[str, int]:
        """Send every confirmation that failed, or that stayed "pending" too long, again."""
        now = self.clock()
        counts = {"sent": 0, "failed": 0}
        for item in list(self.repository.for_event(self.event.id)):
            if item.get("status") != "registered":
                continue
            status = item.get("confirmation_status")
            stuck = status == "pending" and now - _parse_time(item.get("registered_at", "")) > STUCK_PENDING_AFTER
            if status == "failed" or stuck:
                counts[self.resend_confirmation(item["email"])] += 1
        return counts

    # The personal link ------------------------------------------------------------------------------------

    def _email_from_link(self, token: str, now: dt.datetime) -> str:
        if self.links is None:
            raise RuntimeError("personal links are not configured")
        return self.links.email_for(token, now)

    def _changes_closed(self) -> ChangesClosed:
        return ChangesClosed(ChangesClosed.message.format(contact=self.event.contact_email))

    def manage_view(self, token: str) -> dict[str, Any]:
        """What the personal page shows: the registration and what the person may still do with it."""
        now = self.clock()
        email = self._email_from_link(token, now)
        item = self.repository.get(self.event.id, email)
        return {
            "registration": item,
            "can_change": item.get("status") == "registered" and not self.event.has_started(now),
            "has_started": self.event.has_started(now),
            "registration_open": self.event.is_registration_open(now),
        }

    def change(self, token: str, form: Mapping[str, Any]) -> dict[str, Any]:
        """Change the details of a registration, never its address; until the meeting starts."""
        now = self.clock()
        email = self._email_from_link(token, now)
        if self.event.has_started(now):
            raise self._changes_closed()
        current = self.repository.get(self.event.id, email)
        if current.get("status") != "registered":
            raise RegistrationCancelled()
        # The address comes from the link, whatever the form says; consent was given when registering.
        data = validate({**form, "email": email, "consent": "ja"}, self.event)
        fresh = self.new_item(data, now)
        changes = {key: fresh[key] for key in CHANGEABLE}
        changes["changed_at"] = local_iso(now, self.event)
        try:
            item = self.repository.update(self.event.id, email, changes, only_if_status="registered")
        except RegistrationNotFound:
            raise RegistrationCancelled() from None
        log.info("registration changed for event %s", self.event.id)
        return item

    def cancel(self, token: str) -> dict[str, Any]:
        """Withdraw: the item stays, with status "cancelled" and the time, so staff see who withdrew."""
        now = self.clock()
        email = self._email_from_link(token, now)
        if self.event.has_started(now):
            raise self._changes_closed()
        try:
            item = self.repository.update(
                self.event.id, email,
                {"status": "cancelled", "cancelled_at": local_iso(now, self.event)},
                only_if_status="registered",
            )
        except RegistrationNotFound:
            # Either it never existed (get raises RegistrationNotFound) or it was cancelled already.
            self.repository.get(self.event.id, email)
            raise RegistrationCancelled() from None
        log.info("registration cancelled for event %s", self.event.id)
        return item


def _parse_time(text: str) -> dt.datetime:
    """A stored time; an unreadable one counts as long ago, so it never blocks an email for ever."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def public_registration(item: Mapping[str, Any]) -> dict[str, Any]:
    """What the API shows back to the person who registered (no internal attributes)."""
    keys = ("given_name", "family_name", "email", "organisation", "organisation_code", "role", "role_code",
            "on_behalf_of", "remark", "status", "registered_at")
    return {k: item.get(k, "") for k in keys}
