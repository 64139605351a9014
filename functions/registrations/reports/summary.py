"""The summary for the steering group: active registrations per organisation and per role, and how the emails
went. Written by `registrations summary` and into the staff spreadsheet's samenvatting.txt (reports/spreadsheet.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..delivery.reminders import sent_keys, upcoming
from ..delivery.ses_events import UNREACHABLE
from ..delivery.slots import sending_state
from ..delivery.staff_alert import alert_text
from ..meeting import OTHER_ORGANISATION, Meeting
from ..registration.item import is_active
from ..repository import StoredRegistration
from ..repository.statuses import SendState
from .export import FOLLOWUP_STATES, followup_state, readable_time
from .sorting import fold

# The states of delivery.slots.sending_state that staff act on, with their Dutch line in the summary.
MAIL_STATES: dict[str, str] = {
    SendState.FAILED: "Mislukt na 5 pogingen (mail de deelnemer zelf)",
    SendState.UNKNOWN: "Onzeker of verstuurd (wordt niet vanzelf opnieuw verstuurd)",
    SendState.HELD_BACK: "Tegengehouden (te veel e-mails naar één mailbox), wordt vanzelf later verstuurd",
    SendState.OWED: "Nog te versturen",
    SendState.RETRYING: "Mislukt, wordt opnieuw geprobeerd",
}


@dataclass
class Summary:
    """Active registrations per organisation and per role, for the steering group."""

    by_organisation: list[tuple[str, int]]
    by_role: list[tuple[str, int]]
    total: int
    cancelled: int
    other_organisations: list[tuple[str, int]] = field(default_factory=list)
    # Registrations (cancelled ones too) per state of their last email: delivery.slots.sending_state.
    mail: dict[str, int] = field(default_factory=dict)
    # Active registrations whose address SES cannot deliver to (ses_events.UNREACHABLE).
    unreachable: int = 0
    # The latest moment a held-back email waits for ("" when none waits).
    held_until: str = ""
    # The follow-up with the Teams link, per state (followup_state): verstuurd, nog niet, mislukt, onzeker.
    followup: dict[str, int] = field(default_factory=dict)
    # The staff alert (delivery/staff_alert.py), shown at the top; "" when there is none.
    alert: str = ""
    # Per reminder of bijeenkomst.toml (its label): to how many active registrations it was sent.
    reminders_sent: list[tuple[str, int]] = field(default_factory=list)
    # The next reminder to go out and how many it will reach; None when none is left (or `now` was not given).
    next_reminder: tuple[str, int] | None = None


def summarise(
    items: Iterable[StoredRegistration], meeting: Meeting, now: dt.datetime | None = None, published: bool | None = None
) -> Summary:
    """Counts per organisation (every listed organisation, also those without anyone) and per role. With `now`:
    the reminders' schedule too, and with `published` (is the follow-up published?) the staff alert."""
    items = list(items)
    counts = _Counts(meeting)
    for item in items:
        counts.add(item)
    sent = {r.key: 0 for r in meeting.reminders}
    for item in items:
        for key in sent_keys(item) if is_active(item) else ():
            sent[key] = sent.get(key, 0) + 1
    labels = {r.key: r.label for r in meeting.reminders}
    coming = upcoming(items, meeting, now) if now is not None else None
    return Summary(
        alert=alert_text(meeting, now, published) if now is not None and published is not None else "",
        reminders_sent=[(labels.get(key, key), n) for key, n in sent.items()],
        next_reminder=(coming.reminder.label, coming.reach) if coming else None,
        by_organisation=sorted(counts.organisations.items(), key=lambda kv: fold(kv[0])),
        other_organisations=sorted(((name, n) for name, n in counts.others.values()), key=lambda kv: fold(kv[0])),
        by_role=list(counts.roles.items()),
        total=counts.total,
        cancelled=counts.cancelled,
        mail=counts.mail,
        unreachable=counts.unreachable,
        held_until=counts.held_until,
        followup=counts.followup,
    )


class _Counts:
    """What summarise counts item by item: the emails of every registration, the rest of active ones only."""

    def __init__(self, meeting: Meeting):
        self.organisations = {c.label: 0 for c in meeting.organisations}
        self.roles = {c.label: 0 for c in meeting.roles}
        self.others: dict[str, list[Any]] = {}  # folded name → [name as first typed, count]
        self.total = self.cancelled = self.unreachable = 0
        self.mail = {state: 0 for state in MAIL_STATES}
        self.followup = {state: 0 for state in FOLLOWUP_STATES}
        self.held_until = ""

    def add(self, item: StoredRegistration) -> None:
        state = sending_state(item)
        if state in self.mail:
            self.mail[state] += 1
        if state == SendState.HELD_BACK:
            self.held_until = max(self.held_until, str(item.get("mail_retry_at", "")))
        if not is_active(item):
            self.cancelled += 1
            return
        self.total += 1
        self.followup[followup_state(item)[0]] += 1
        if item.get("email_status") in UNREACHABLE:
            self.unreachable += 1
        organisation = str(item.get("organisation", "")).strip()
        if item.get("organisation_code") == OTHER_ORGANISATION or organisation not in self.organisations:
            # Typed by the invitee: "Provincie Utrecht" and "provincie utrecht" are one organisation.
            entry = self.others.setdefault(" ".join(fold(organisation).split()), [organisation or "(onbekend)", 0])
            entry[1] += 1
        else:
            self.organisations[organisation] += 1
        role = str(item.get("role", "")).strip() or "(onbekend)"
        self.roles[role] = self.roles.get(role, 0) + 1


def dutch_number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def render_table(first_header: str, rows: Sequence[tuple[str, int]], total: int) -> str:
    """A plain text table with right-aligned counts and a total line."""
    count_header = "Aantal"
    labels = [first_header, "Totaal", *(label for label, _ in rows)]
    width = max(len(label) for label in labels)
    count_width = max(len(count_header), *(len(dutch_number(n)) for _, n in rows), len(dutch_number(total)))
    rule = "-" * width + "  " + "-" * count_width
    lines = [f"{first_header:<{width}}  {count_header:>{count_width}}", rule]
    lines += [f"{label:<{width}}  {dutch_number(n):>{count_width}}" for label, n in rows]
    lines += [rule, f"{'Totaal':<{width}}  {dutch_number(total):>{count_width}}"]
    return "\n".join(lines)


def render_summary(summary: Summary, meeting: Meeting) -> str:
    organisation_rows = summary.by_organisation + [
        (f"Andere organisatie: {name}", n) for name, n in summary.other_organisations
    ]
    parts = [summary.alert, ""] if summary.alert else []
    parts += [
        f"Aanmeldingen voor: {meeting.title}, {meeting.date_text}",
        "",
        "Per organisatie",
        render_table("Organisatie", organisation_rows, summary.total),
        "",
        "Per rol",
        render_table("Rol", summary.by_role, summary.total),
        "",
        f"Totaal aangemeld: {dutch_number(summary.total)}",
        f"Afgemeld (niet meegeteld): {dutch_number(summary.cancelled)}",
        "",
        "E-mails (de laatste e-mail per aanmelding)",
        *(f"{label}: {dutch_number(summary.mail.get(state, 0))}" for state, label in MAIL_STATES.items()),
        *(
            [f"Tegengehouden e-mails worden verstuurd vanaf {readable_time(summary.held_until)}"]
            if summary.held_until
            else []
        ),
        "",
        "Vervolgmail met de Teams-link (aangemelde deelnemers)",
        *(f"{label}: {dutch_number(summary.followup.get(state, 0))}" for state, label in FOLLOWUP_STATES.items()),
        f"{dutch_number(summary.unreachable)} {'adres' if summary.unreachable == 1 else 'adressen'} onbereikbaar "
        "(kwam terug, als spam gemeld of geweigerd: bel de deelnemer, zie STAFF.md)",
        "",
        "Herinneringen",
        *(f"{label}: verstuurd aan {dutch_number(n)}" for label, n in summary.reminders_sent),
    ]
    if not meeting.reminders:
        parts.append("Er zijn geen herinneringen gepland (bijeenkomst.toml: reminders = []).")
    elif summary.next_reminder is not None:
        label, reach = summary.next_reminder
        parts.append(f"Volgende herinnering: {label}, naar {dutch_number(reach)} deelnemers")
    else:
        parts.append("Volgende herinnering: geen (de bijeenkomst is begonnen of gaat niet door)")
    return "\n".join(parts) + "\n"
