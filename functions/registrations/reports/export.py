"""Registrations as staff want them: the rows and columns of the export (CSV or XLSX: reports/formats.py), in
Dutch, sorted as a Dutch phone book (reports/sorting.py).

No storage and no terminal here: the staff command (staff/) and the spreadsheet (reports/spreadsheet.py) fetch the
items and decide where the output goes.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..registration.item import is_active
from ..repository import StoredRegistration
from ..repository.statuses import RegistrationStatus, SendState, SesVerdict
from .sorting import sort_key

# (attribute, column header). The header is what staff see; the attribute is what the item stores.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("organisation", "Organisatie"),
    ("family_name", "Achternaam"),
    ("given_name", "Voornaam"),
    ("email", "E-mailadres"),
    ("role", "Rol"),
    ("on_behalf_of", "Namens gemeente of provincie"),
    ("remark", "Vraag of opmerking"),
    ("registered_at", "Aangemeld op"),
    ("followup", "Vervolgmail"),
    ("reminders_sent", "Herinneringen verstuurd"),
    ("email_status", "E-mailstatus"),
)
# Only with --include-cancelled: which rows are cancelled, and since when.
STATUS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("status", "Status"),
    ("cancelled_at", "Afgemeld op"),
)
STATUS_LABELS: dict[str, str] = {RegistrationStatus.REGISTERED: "aangemeld", RegistrationStatus.CANCELLED: "afgemeld"}
# What SES said about the last email (delivery/ses_events.py), as staff read it.
EMAIL_STATUS_LABELS: dict[str, str] = {
    SesVerdict.DELIVERED: "afgeleverd",
    SesVerdict.BOUNCED: "onbereikbaar (kwam terug)",
    SesVerdict.COMPLAINED: "klacht (als spam gemeld)",
    SesVerdict.REJECTED: "geweigerd (niet verstuurd)",
}
TIME_ATTRIBUTES = {"registered_at", "cancelled_at"}
# The follow-up with the Teams link, per registration (followup_state), with its Dutch label.
FOLLOWUP_STATES: dict[str, str] = {
    SendState.SENT: "verstuurd",
    SendState.OWED: "nog niet",
    SendState.FAILED: "mislukt",
    SendState.UNKNOWN: "onzeker (misschien verstuurd)",
}


def readable_time(value: str) -> str:
    """'2023-05-10T10:00:00+02:00' → '2023-05-10 10:00' (stored times are already Amsterdam time)."""
    if len(value) >= 16 and value[10:11] == "T":
        return value[:10] + " " + value[11:16]
    return value


def followup_state(item: StoredRegistration) -> tuple[str, str]:
    """Whether this registration has the follow-up, and since when: ("sent", time), ("owed", ""), ("failed", "")
    or ("unknown", time). It came on its own (followup_mail_*), inside a late registrant's confirmation
    (followup_version without a follow-up send), or from the staff command of earlier versions (followup_sent_at)."""
    status = str(item.get("followup_mail_status", ""))
    if status == SendState.SENT or (item.get("followup_version") is not None and status != SendState.UNKNOWN):
        return SendState.SENT, str(item.get("followup_mail_sent_at") or item.get("mail_sent_at") or "")
    if item.get("followup_sent_at"):
        return SendState.SENT, str(item["followup_sent_at"])
    if status == SendState.UNKNOWN:
        return SendState.UNKNOWN, str(item.get("followup_mail_status_at", ""))
    if status == SendState.FAILED:
        return SendState.FAILED, ""
    return SendState.OWED, ""


def followup_text(item: StoredRegistration) -> str:
    state, moment = followup_state(item)
    label = FOLLOWUP_STATES[state]
    return f"{label} op {readable_time(moment)}" if moment and state == SendState.SENT else label


def export_rows(
    items: Iterable[StoredRegistration], include_cancelled: bool = False
) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of the export, sorted; cancelled registrations only when asked for."""
    columns = COLUMNS + (STATUS_COLUMNS if include_cancelled else ())
    chosen = sorted((i for i in items if include_cancelled or is_active(i)), key=sort_key)
    rows = []
    for item in chosen:
        row = []
        for attribute, _ in columns:
            value = item.get(attribute, "")
            text = "" if value is None else str(value)
            if attribute == "followup":
                text = followup_text(item) if is_active(item) else ""
            elif attribute in TIME_ATTRIBUTES:
                text = readable_time(text)
            elif attribute == "status":
                text = STATUS_LABELS.get(text, text)
            elif attribute == "email_status":
                text = EMAIL_STATUS_LABELS.get(text, text)
            elif attribute == "reminders_sent":
                # "2023-06-06T10:00+02:00, 2023-06-07T12:30+02:00" (delivery/reminders.py) → "2023-06-06 10:00, 2023-06-07 12:30"
                text = ", ".join(readable_time(key) for key in text.split(", ") if key)
            row.append(text)
        rows.append(row)
    return [header for _, header in columns], rows
