"""Domain exceptions. They carry a machine code and a Dutch message for people; web/errors.py alone maps them to HTTP."""

from __future__ import annotations


class RegistrationError(Exception):
    """`message` is the Dutch text for people; placeholders in it are filled from the keyword arguments, so every
    raiser words it the same way (a missing one is a KeyError: a bug, found by the tests)."""

    code = "registration_error"
    message = "Er ging iets mis met uw aanmelding."

    def __init__(self, *, fields: dict[str, str] | None = None, **details: str):
        super().__init__(self.code)
        self.message = type(self).message.format(**details)
        self.fields = fields or {}


class InvalidRegistration(RegistrationError):
    code = "invalid"
    message = "Niet alle velden zijn goed ingevuld. Verbeter de fouten hieronder en verstuur het formulier opnieuw."


class DuplicateRegistration(RegistrationError):
    code = "already_registered"
    # The same words whatever the existing registration looks like and whatever happens to the email: the answer
    # must reveal nothing about it, and promises only what the deliverer does (it may hold the email back when
    # one mailbox gets too many).
    message = (
        "Dit e-mailadres is al aangemeld voor deze bijeenkomst. U hoeft niets meer te doen. "
        "We sturen uw persoonlijke link nog een keer naar dit adres, meestal binnen een paar minuten. "
        "Met die link kunt u uw aanmelding bekijken, wijzigen of annuleren. Komt er geen e-mail? Kijk dan ook in "
        "de map met ongewenste e-mail. Staat hij daar niet? Mail dan naar {contact}."
    )


class RegistrationClosed(RegistrationError):
    code = "registration_closed"
    message = (
        "De aanmelding is gesloten. Aanmelden kon tot en met {deadline}. Neem voor vragen contact op via {contact}."
    )


class MeetingCancelled(RegistrationClosed):
    """Registration is closed because the meeting is called off (bijeenkomst.toml `cancelled`)."""

    code = "meeting_cancelled"
    message = "De bijeenkomst gaat niet door. {reason} Aanmelden kan daarom niet meer. Mail voor vragen naar {contact}."


class UnknownMeeting(RegistrationError):
    """No meeting of this id in the catalogue (meeting/catalogue.py): an address typed by hand, or a meeting that
    was taken out."""

    code = "unknown_meeting"
    message = "Deze bijeenkomst bestaat niet. Kijk op de website welke bijeenkomsten er zijn."


class ForeignOrigin(RegistrationError):
    """A post that did not come from a page of the site itself (another site, or no browser at all)."""

    code = "foreign_origin"
    message = (
        "Uw gegevens zijn niet verstuurd vanaf een pagina van deze website. Daarom is er niets bewaard. "
        "Open het formulier op de website zelf en verstuur het daar opnieuw."
    )


class DirectRequest(RegistrationError):
    """A request that reached the function without passing through CloudFront (no or a wrong origin secret)."""

    code = "direct_request"
    message = "Dit adres is niet bedoeld voor bezoekers. Gebruik het adres van de website."


def store_failed(what: str, kept: str = "") -> str:
    """The one text for "the store failed": what could not be done, when to try again, and what is kept."""
    return f"{what} door een storing bij ons. Probeer het over een paar minuten opnieuw." + (f" {kept}" if kept else "")


class StoreUnavailable(RegistrationError):
    """The store failed (503, try again later). Its texts, one per thing a person was doing, say it the same way."""

    code = "store_unavailable"
    message = store_failed(
        "Uw aanmelding kon nu niet worden opgeslagen", "Er is niets bewaard. Uw gegevens staan nog in het formulier."
    )
    # The personal page, opened or cancelled through.
    reading_message = store_failed("Uw aanmelding is nu niet bereikbaar")
    # A change on the personal page that could not be stored: the page keeps what was typed.
    change_message = store_failed(
        "Uw wijzigingen konden nu niet worden opgeslagen", "Wat u hebt ingevuld, staat nog in het formulier."
    )


class RegistrationNotFound(RegistrationError):
    code = "not_found"
    message = "Deze aanmelding bestaat niet (meer)."


class InvalidLink(RegistrationError):
    """The personal link was changed, cut short or signed with another secret."""

    code = "invalid_link"
    message = (
        "Deze link werkt niet. Misschien is hij niet helemaal gekopieerd. Klik op de link in de e-mail, "
        "of kopieer de hele link. Werkt het dan nog niet? Mail naar {contact}."
    )


class RevokedLink(InvalidLink):
    """A genuine link whose version was revoked (a newer link was made)."""

    code = "revoked_link"
    message = (
        "Deze link werkt niet meer. Gebruik de link uit de nieuwste e-mail over uw aanmelding. Hebt u die niet? "
        "Meld u dan opnieuw aan met hetzelfde e-mailadres: u krijgt dan een e-mail met een nieuwe link. Of mail "
        "naar {contact}."
    )


class ForeignLink(InvalidLink):
    """A genuine link, but for another meeting."""

    code = "foreign_link"
    message = "Deze link hoort bij een andere bijeenkomst. Gebruik de link uit de e-mail over deze bijeenkomst."


class ExpiredLink(RegistrationError):
    code = "link_expired"
    message = "Deze link is verlopen. Hij werkte tot en met {until}. Hebt u vragen? Mail naar {contact}."


class ChangesClosed(RegistrationError):
    code = "changes_closed"
    message = (
        "De bijeenkomst is begonnen. U kunt uw aanmelding daarom niet meer wijzigen of annuleren. "
        "Hebt u vragen? Mail naar {contact}."
    )


class RegistrationCancelled(RegistrationError):
    code = "cancelled"
    message = "U hebt deze aanmelding al geannuleerd. Er is niets veranderd."


class UnknownPaper(RegistrationError):
    """No paper of this name in what is published now: a name typed by hand, or one taken out in a later version."""

    code = "unknown_paper"
    message = "Dit stuk is er niet (meer). Op uw persoonlijke pagina staan de stukken zoals ze nu zijn."


class PapersOnlyForRegistrants(RegistrationError):
    """The registration was cancelled: the papers are for those who come."""

    code = "papers_cancelled"
    message = (
        "U hebt uw aanmelding geannuleerd. De stukken zijn alleen voor wie is aangemeld. Wilt u ze toch? Meld u "
        "dan opnieuw aan, zolang dat kan."
    )
