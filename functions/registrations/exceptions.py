"""Domain exceptions. They carry a machine code and a Dutch message for people; errors.py alone maps them to HTTP."""

from __future__ import annotations


class RegistrationError(Exception):
    code = "registration_error"
    message = "Er ging iets mis met uw aanmelding."

    def __init__(self, message: str | None = None, fields: dict[str, str] | None = None):
        super().__init__(self.code)
        if message is not None:
            self.message = message
        self.fields = fields or {}


class InvalidRegistration(RegistrationError):
    code = "invalid"
    message = "Niet alle velden zijn goed ingevuld. Verbeter de fouten hieronder en verstuur het formulier opnieuw."


class DuplicateRegistration(RegistrationError):
    code = "already_registered"
    message = (
        "Dit e-mailadres is al aangemeld voor deze bijeenkomst. U hoeft niets meer te doen. "
        "Wilt u iets wijzigen? Gebruik dan de persoonlijke link uit de bevestigingsmail."
    )


class RegistrationClosed(RegistrationError):
    code = "registration_closed"
    message = "De aanmelding is gesloten. Aanmelden kon tot en met {deadline}. Neem voor vragen contact op via {contact}."


class StoreUnavailable(RegistrationError):
    code = "store_unavailable"
    message = (
        "Uw aanmelding kon nu niet worden opgeslagen door een storing bij ons. Er is niets bewaard. "
        "Probeer het over een paar minuten opnieuw. Uw gegevens staan nog in het formulier."
    )


class RegistrationNotFound(RegistrationError):
    code = "not_found"
    message = "Deze aanmelding bestaat niet (meer)."
