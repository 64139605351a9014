"""The rules of registering: validate and normalise the input, check the deadline, store once per address.

The same rules serve the JSON path, the no-JS form path, the Lambda handler and the staff command.
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from email_validator import EmailNotValidError, validate_email

from .event import OTHER_ORGANISATION, Event, dutch_date
from .exceptions import InvalidRegistration, RegistrationClosed
from .repository import RegistrationRepository

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

# The Dutch messages, per field and rule. Tests read this table too.
MESSAGES = {
    "given_name.required": "Vul uw voornaam in.",
    "given_name.too_long": "Uw voornaam mag niet langer zijn dan 100 tekens.",
    "family_name.required": "Vul uw achternaam in.",
    "family_name.too_long": "Uw achternaam mag niet langer zijn dan 100 tekens.",
    "email.required": "Vul uw e-mailadres in.",
    "email.too_long": "Uw e-mailadres mag niet langer zijn dan 254 tekens.",
    "email.invalid": "Vul een geldig e-mailadres in, zoals naam@gemeente.nl.",
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

    if "email" not in errors:
        try:
            # Syntax only: a DNS look-up would make the form slow and flaky.
            checked = validate_email(values["email"], check_deliverability=False)
        except EmailNotValidError:
            errors["email"] = MESSAGES["email.invalid"]
        else:
            # One registration per address, compared case-insensitively.
            values["email"] = checked.normalized.lower()

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
    def __init__(self, event: Event, repository: RegistrationRepository, clock: Callable[[], dt.datetime]):
        self.event = event
        self.repository = repository
        self.clock = clock

    def registration_state(self) -> dict:
        now = self.clock()
        return {
            "open": self.event.is_registration_open(now),
            "closes_at": self.event.registration_closes_at.isoformat(),
        }

    def register(self, form: Mapping[str, Any]) -> dict[str, Any]:
        now = self.clock()
        if not self.event.is_registration_open(now):
            raise RegistrationClosed(
                RegistrationClosed.message.format(
                    deadline=dutch_date(self.event.last_registration_day), contact=self.event.contact_email
                )
            )
        data = validate(form, self.event)
        item = self.new_item(data, now)
        self.repository.add(item)
        log.info("registration stored for event %s", self.event.id)
        return item

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
        }


def public_registration(item: Mapping[str, Any]) -> dict[str, Any]:
    """What the API shows back to the person who registered (no internal attributes)."""
    keys = ("given_name", "family_name", "email", "organisation", "organisation_code", "role", "role_code",
            "on_behalf_of", "remark", "status", "registered_at")
    return {k: item.get(k, "") for k in keys}
