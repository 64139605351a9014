"""`registrations cancel ADRES`, `resend ADRES` and `revoke-link ADRES`: corrections on a person's behalf (STAFF.md,
"Een aanmelding corrigeren"). The work is done by registrations.registration.corrections and the repository."""

from __future__ import annotations

import click

from ..errors import RegistrationCancelled, RegistrationNotFound
from ..meeting import Meeting
from ..registration.corrections import cancel_on_behalf, make_confirmation_owed, stored_address
from ..repository import StoredRegistration
from ..repository.statuses import RegistrationStatus
from . import EXIT_ATTENTION, EXIT_OK, output
from .common import Runtime, table_options, yes_option
from .table import Table, Where


def not_found(run: Runtime, address: str) -> int:
    run.stderr.write(
        f"registrations: er is geen aanmelding met het adres {address} voor deze bijeenkomst.\n"
        "Controleer het adres, bijvoorbeeld in de export (kolom E-mailadres).\n"
    )
    return EXIT_ATTENTION


@click.command(
    "cancel",
    short_help="een aanmelding afmelden namens de deelnemer",
    help="Meldt de aanmelding met dit e-mailadres af, namens de deelnemer (bijvoorbeeld als het adres niet meer "
    "bestaat). De aanmelding blijft bewaard, met status afgemeld en cancelled_by staff. De deelnemer krijgt geen "
    "e-mail.",
)
@click.argument("address", metavar="ADRES")
@yes_option("niet vragen of u het zeker weet: meteen afmelden (nodig zonder terminal)")
@table_options
@click.pass_obj
def cancel(run: Runtime, /, address: str, yes: bool, **where: str | None) -> int:
    def job(table: Table, meeting: Meeting) -> int:
        run.can_ask(yes)
        repository = table.repository()
        email = stored_address(address)
        try:
            item = repository.get(meeting.id, email)
        except RegistrationNotFound:
            return not_found(run, address)
        if item.get("status") == RegistrationStatus.CANCELLED:
            run.stdout.write(f"Deze aanmelding was al afgemeld. Er is niets veranderd.\n{describe(item)}\n")
            return EXIT_OK
        if not run.ask(yes, ["Afmelden namens de deelnemer:", describe(item), "De deelnemer krijgt geen e-mail."]):
            run.stdout.write("Er is niets veranderd.\n")
            return EXIT_OK
        try:
            changed = cancel_on_behalf(repository, meeting, email, run.clock())
        except RegistrationNotFound:
            return not_found(run, address)
        run.stdout.write("Afgemeld.\n" if changed else "Deze aanmelding was intussen al afgemeld.\n")
        # What staff tell the person (STAFF.md, "Iemand is per e-mail onbereikbaar"): the address is the key.
        run.stdout.write(
            "Zeg de deelnemer: meld u opnieuw aan via het aanmeldformulier op de site, met het juiste "
            "e-mailadres. Daarna krijgt u een nieuwe bevestiging.\n"
        )
        return EXIT_OK

    return run.on_table(Where(**where), job)


@click.command(
    "resend",
    short_help="de bevestigingsmail opnieuw laten versturen",
    help="Zet de bevestigingsmail van de aanmelding met dit e-mailadres opnieuw klaar. De functie verstuurt hem "
    "dan zelf, met de persoonlijke link. Gebruik dit als iemand de bevestiging niet heeft gekregen.",
)
@click.argument("address", metavar="ADRES")
@table_options
@click.pass_obj
def resend(run: Runtime, /, address: str, **where: str | None) -> int:
    def job(table: Table, meeting: Meeting) -> int:
        email = stored_address(address)
        try:
            make_confirmation_owed(table.repository(), meeting, email, run.clock())
        except RegistrationNotFound:
            return not_found(run, address)
        except RegistrationCancelled:
            run.stderr.write(
                "registrations: deze aanmelding is afgemeld; een afgemelde aanmelding krijgt geen bevestiging.\n"
                "Wil de deelnemer toch komen? Dan meldt hij of zij zich opnieuw aan via het formulier.\n"
            )
            return EXIT_ATTENTION
        run.stdout.write(
            f"De bevestigingsmail voor {email} staat klaar (mail_owed: confirmation).\n"
            "De functie verstuurt hem binnen enkele minuten. In de AWS-console staat daarna bij deze aanmelding "
            "mail_status: sent.\n"
        )
        return EXIT_OK

    return run.on_table(Where(**where), job)


def describe(item: StoredRegistration) -> str:
    return f"  {output.person(item)}, {item.get('organisation', '')}"


@click.command(
    "revoke-link",
    short_help="de persoonlijke link van een aanmelding intrekken",
    help="Trekt de persoonlijke link van de aanmelding met dit e-mailadres in: alle links die al zijn verstuurd, "
    "werken niet meer. De deelnemer krijgt een nieuwe link door zich opnieuw aan te melden met hetzelfde adres.",
)
@click.argument("address", metavar="ADRES")
@table_options
@click.pass_obj
def revoke_link(run: Runtime, /, address: str, **where: str | None) -> int:
    def job(table: Table, meeting: Meeting) -> int:
        try:
            item = table.repository().revoke_links(meeting.id, stored_address(address))
        except RegistrationNotFound:
            return not_found(run, address)
        run.stdout.write(
            f"De persoonlijke link is ingetrokken (nu versie {item['link_version']}). Links die al zijn "
            "verstuurd, werken niet meer.\n"
        )
        return EXIT_OK

    return run.on_table(Where(**where), job)
