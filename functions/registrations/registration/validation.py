"""The input rules of a registration: every field checked and normalised, with a Dutch message per field and rule.

The same rules serve the JSON path, the no-JS form path, the personal page and the staff tools.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import idna
from email_validator import EmailNotValidError, validate_email

from ..errors import InvalidRegistration
from ..meeting import OTHER_ORGANISATION, Meeting

FIELDS = (
    "given_name",
    "family_name",
    "email",
    "organisation",
    "organisation_other",
    "role",
    "on_behalf_of",
    "remark",
    "consent",
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
# The Dutch messages, per field and rule. Tests read this table too.
MESSAGES = {
    "given_name.required": "Vul uw voornaam in.",
    "given_name.too_long": "Uw voornaam mag niet langer zijn dan 100 tekens.",
    "given_name.characters": 'Gebruik in uw voornaam geen van deze tekens: < > " , ; @',
    "family_name.required": "Vul uw achternaam in.",
    "family_name.too_long": "Uw achternaam mag niet langer zijn dan 100 tekens.",
    "family_name.characters": 'Gebruik in uw achternaam geen van deze tekens: < > " , ; @',
    "email.required": "Vul uw e-mailadres in.",
    "email.too_long": "Uw e-mailadres mag niet langer zijn dan 254 tekens.",
    "email.invalid": "Vul een geldig e-mailadres in, zoals naam@gemeente.nl.",
    "email.non_ascii": (
        "Wij kunnen geen e-mail sturen naar een adres met letters als ö of é vóór de @. Gebruik een ander e-mailadres."
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
    if checked.ascii_email is None:  # only for a non-ASCII local part, refused above
        raise ValueError("email.non_ascii")
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


def validate(form: Mapping[str, Any], meeting: Meeting) -> RegistrationInput:
    """Check every field; raise InvalidRegistration with a Dutch message per field that is wrong."""
    values, errors = _cleaned(form)
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
        elif meeting.organisation_label(values["organisation"]) is None:
            errors["organisation"] = MESSAGES["organisation.unknown"]
        else:
            values["organisation_other"] = ""
            errors.pop("organisation_other", None)

    if "role" not in errors and meeting.role_label(values["role"]) is None:
        errors["role"] = MESSAGES["role.unknown"]

    consent = form.get("consent")
    if not (consent is True or (isinstance(consent, str) and consent.strip().lower() in CONSENT_VALUES)):
        errors["consent"] = MESSAGES["consent.required"]

    if errors:
        # Keep the order of the form, so the error summary reads top to bottom.
        raise InvalidRegistration(fields={f: errors[f] for f in FIELDS if f in errors})
    return RegistrationInput(**values)


def _cleaned(form: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """Every text field cleaned ("" where it cannot be), and the fields that cannot be or are too long."""
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
    return values, errors
