"""samenvatting.txt and the spreadsheet on reminders: which were sent per registrant, the next one and its reach,
and the staff alert at the very top."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from registrations.delivery import reminders
from registrations.meeting import load_meeting
from registrations.reports.export import export_rows
from registrations.reports.summary import render_summary, summarise

AMS = ZoneInfo("Europe/Amsterdam")
EVENT = load_meeting()
DAY_BEFORE, HOUR_BEFORE = EVENT.reminders


def item(n: int, **extra) -> dict:
    return {
        "email": f"p{n}@x.example",
        "status": "registered",
        "registered_at": "2023-05-20T09:00:00+02:00",
        "organisation": "RUD Drenthe",
        "family_name": f"Naam {n}",
        "role": "Anders",
        **extra,
    }


ITEMS = [
    item(1, reminders_sent=DAY_BEFORE.key, reminder_mail_done=reminders.owed_id(DAY_BEFORE)),
    item(2, reminders_sent=DAY_BEFORE.key, reminder_mail_done=reminders.owed_id(DAY_BEFORE)),
    item(3, email_status="bounced"),
    item(4, status="cancelled", reminders_sent=DAY_BEFORE.key),
]


def test_the_summary_shows_the_reminders_sent_and_the_next_one_with_its_reach():
    now = dt.datetime(2023, 6, 6, 11, 0, tzinfo=AMS)
    text = render_summary(summarise(ITEMS, EVENT, now, published=True), EVENT)
    assert "Herinneringen\n6 juni 10.00 uur: verstuurd aan 2\n7 juni 12.30 uur: verstuurd aan 0\n" in text
    assert "Volgende herinnering: 7 juni 12.30 uur, naar 2 deelnemers" in text
    assert not text.startswith("LET OP")


def test_the_staff_alert_heads_the_summary():
    now = dt.datetime(2023, 6, 6, 11, 0, tzinfo=AMS)
    text = render_summary(summarise(ITEMS, EVENT, now, published=False), EVENT)
    assert text.startswith("LET OP: de bijeenkomst begint over 26 uur")
    assert "de vervolgmail met de Teams-link is nog niet gepubliceerd" in text.splitlines()[0]


def test_after_the_start_no_reminder_is_scheduled():
    text = render_summary(summarise(ITEMS, EVENT, dt.datetime(2023, 6, 7, 14, 0, tzinfo=AMS), True), EVENT)
    assert "Volgende herinnering: geen" in text


def test_the_spreadsheet_shows_per_registrant_which_reminders_were_sent():
    both = f"{DAY_BEFORE.key}, {HOUR_BEFORE.key}"
    header, rows = export_rows([item(1, reminders_sent=both), item(2)])
    column = header.index("Herinneringen verstuurd")
    assert [row[column] for row in rows] == ["2023-06-06 10:00, 2023-06-07 12:30", ""]
