"""controle.txt in plain Dutch: what the function found in vervolgmail.toml, and how the sending goes.

Two parts: on top the progress of what is published (rewritten after every round of the deliverer), below it the
last check of an upload (every problem; or the email as a registrant will receive it, the count and the code line).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage

from ..meeting import Meeting
from ..registration.moments import moment_text
from .upload import CONTENT_NAME, CheckResult

RULE = "-" * 72
SAMPLE_NAME, SAMPLE_EMAIL = "Voornaam Achternaam", "naam@voorbeeld.nl"


@dataclass(frozen=True)
class Progress:
    version: int
    published_at: str
    sent: int = 0
    owed: int = 0
    failed: int = 0
    held_back: int = 0


def progress_part(progress: Progress | None, meeting: Meeting, now: dt.datetime) -> str:
    if progress is None:
        return "Stand van het versturen: er is nog geen vervolgmail gepubliceerd.\n"
    return (
        f"Stand van het versturen (bijgewerkt {moment_text(now, meeting)})\n"
        f"Gepubliceerd: versie {progress.version}, op {moment_text(progress.published_at, meeting)}.\n"
        f"- verstuurd: {progress.sent}\n"
        f"- nog te versturen: {progress.owed}\n"
        f"- mislukt: {progress.failed}\n"
        f"- tegengehouden (te veel mails naar één mailbox): {progress.held_back}\n"
        "Het versturen gaat vanzelf door, ook als u dit venster sluit. Wie zich nu nog aanmeldt, krijgt de link "
        "en de stukken met de bevestiging.\n"
    )


def problems_part(result: CheckResult, now: dt.datetime, meeting: Meeting) -> str:
    count = len(result.problems)
    lines = [
        f"Controle van {result.source}, {moment_text(now, meeting)}",
        "",
        f"Er {'is 1 probleem' if count == 1 else f'zijn {count} problemen'} gevonden. Er is niets verstuurd.",
        f"Verbeter {'het' if count == 1 else 'ze'} en upload {CONTENT_NAME} daarna opnieuw.",
        "",
    ]
    lines += [f"{number}. {problem}" for number, problem in enumerate(result.problems, start=1)]
    lines += _notes(result.notes)
    return "\n".join(lines) + "\n"


def preview_part(
    result: CheckResult,
    message: EmailMessage,
    active: int,
    now: dt.datetime,
    meeting: Meeting,
    *,
    next_version: int,
    changes: Sequence[str] = (),
    earlier: int = 0,
    wrong_code: bool = False,
    change_message: EmailMessage | None = None,
) -> str:
    """`change_message`: for a later version, the short email those who had an earlier one get."""
    lines = [f"Controle van {result.source}, {moment_text(now, meeting)}", ""]
    lines += _verdict_lines(result, next_version, wrong_code)
    if next_version > 1:
        lines += _version_lines(next_version, changes, earlier)
    lines += _email_lines(message, change_message)
    lines += _code_lines(result, active)
    lines += _notes(result.notes)
    return "\n".join(lines) + "\n"


def _verdict_lines(result: CheckResult, next_version: int, wrong_code: bool) -> list[str]:
    if wrong_code:
        return [
            "DE CODE KLOPT NIET. Er is niets verstuurd.",
            f'De regel versturen = "{result.given_code}" hoort niet bij deze inhoud: het bestand of een van de',
            "stukken is veranderd sinds de controle. Bekijk de mail hieronder opnieuw. Klopt alles, zet dan de",
            "nieuwe code hieronder in het bestand, in plaats van de oude, en upload het opnieuw.",
            "",
        ]
    nothing = "Er is nog niets verstuurd." if next_version == 1 else "Van deze nieuwe inhoud is nog niets verstuurd."
    return [f"Alles is in orde. {nothing}", ""]


def _version_lines(next_version: int, changes: Sequence[str], earlier: int) -> list[str]:
    lines = [f"Dit wordt versie {next_version}. Wat er verandert ten opzichte van versie {next_version - 1}:"]
    lines += [f"- {change}" for change in changes] or ["- niets: de inhoud is gelijk aan wat al is gepubliceerd."]
    return lines + [
        f"Wie een eerdere versie al kreeg ({earlier}), krijgt één korte mail met wat er veranderd is. Wie nog niets",
        "kreeg, krijgt alleen deze nieuwste versie. Het versturen van de vorige versie wordt niet onderbroken.",
        "",
    ]


def _email_lines(message: EmailMessage, change_message: EmailMessage | None) -> list[str]:
    who = "wie nog geen eerdere versie kreeg" if change_message is not None else "een deelnemer"
    lines = [
        f"Zo krijgt {who} de mail (met ‘Voornaam Achternaam’ en ‘naam@voorbeeld.nl’ op de plaats van",
        "de eigen gegevens; de link naar een stuk gaat via de persoonlijke link van de deelnemer):",
        *_shown(message),
        "Bijlage: de afspraak voor de agenda, met de Teams-link als plaats. Andere bijlagen zijn er niet: de",
        "stukken staan op de persoonlijke pagina van de deelnemer.",
        "",
    ]
    if change_message is not None:
        attached = bool(list(change_message.iter_attachments()))
        lines += [
            "En zo krijgt wie een eerdere versie al had de korte mail:",
            *_shown(change_message),
            "Bijlage: de bijgewerkte afspraak voor de agenda, met de nieuwe Teams-link."
            if attached
            else "Zonder bijlage: de Teams-link is niet veranderd, dus de afspraak in de agenda ook niet.",
            "",
        ]
    return lines


def _code_lines(result: CheckResult, active: int) -> list[str]:
    return [
        f"Wie de mail krijgt: nu {active} {'aangemelde deelnemer' if active == 1 else 'aangemelde deelnemers'}.",
        "Wie zich heeft afgemeld, krijgt niets.",
        "",
        "Versturen? Zet dan deze regel in vervolgmail.toml (bovenaan of helemaal onderaan) en upload het bestand",
        "opnieuw. Binnen een minuut begint het versturen, en staat de stand bovenaan dit bestand.",
        "",
        f'versturen = "{result.code}"',
        "",
        "De code hoort bij precies deze inhoud en deze bestanden. Verandert u daarna nog iets, dan klopt de code",
        "niet meer en wordt er niets verstuurd: u krijgt dan hier een nieuwe controle met een nieuwe code.",
    ]


def published_part(result: CheckResult, version: int, now: dt.datetime, meeting: Meeting, active: int) -> str:
    return (
        f"Controle van {result.source}, {moment_text(now, meeting)}\n\n"
        f"De code klopt. Versie {version} is gepubliceerd op {moment_text(now, meeting)}, met code {result.code}.\n"
        f"Het versturen is begonnen: {active} aangemelde deelnemers. De stand staat bovenaan dit bestand.\n"
        "Wilt u later iets veranderen (een stuk erbij, een andere Teams-link)? Pas vervolgmail.toml aan, haal de\n"
        "regel versturen weg en upload het opnieuw: u krijgt eerst een nieuwe controle, met een nieuwe code.\n"
        + "".join(line + "\n" for line in _notes(result.notes))
    )


def already_part(result: CheckResult, version: int, now: dt.datetime, meeting: Meeting) -> str:
    return (
        f"Controle van {result.source}, {moment_text(now, meeting)}\n\n"
        f"Deze inhoud is al gepubliceerd als versie {version} (code {result.code}). Er is niets opnieuw verstuurd.\n"
    )


def missing_part(now: dt.datetime, meeting: Meeting) -> str:
    return (
        f"Controle, {moment_text(now, meeting)}\n\n"
        f"Er staat geen {CONTENT_NAME} in de map {meeting.id}/vervolgmail/. Upload het bestand (zie de handleiding, "
        "hoofdstuk 6).\n"
    )


def report(progress: str, check: str) -> str:
    return f"CONTROLE VAN DE VERVOLGMAIL\n\n{progress}\n{RULE}\n\n{check}"


def _notes(notes: Sequence[str]) -> list[str]:
    if not notes:
        return []
    return ["", "Goed om te weten:"] + [f"- {note}" for note in notes]


def _shown(message: EmailMessage) -> list[str]:
    return [RULE, f"Onderwerp: {message['Subject']}", "", _plain_text(message).rstrip(), RULE]


def _plain_text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    return str(body.get_content()) if body is not None else ""
