"""The meeting's dates in Dutch words ("woensdag 7 juni 2023"), as the site, the emails and staff read them."""

from __future__ import annotations

import datetime as dt

DUTCH_MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)
DUTCH_WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")


def dutch_date(day: dt.date, weekday: bool = False) -> str:
    text = f"{day.day} {DUTCH_MONTHS[day.month - 1]} {day.year}"
    return f"{DUTCH_WEEKDAYS[day.weekday()]} {text}" if weekday else text
