"""The stored registration is built by pure functions: the same input gives the same item. No I/O."""

from __future__ import annotations

import datetime as dt

from registrations.meeting import load_meeting
from registrations.registration.item import NewIds, new_item
from registrations.registration.validation import validate

EVENT = load_meeting()
NOW = dt.datetime(2023, 5, 10, 10, 0, tzinfo=EVENT.timezone)
FORM = {
    "given_name": "Jan",
    "family_name": "Jansen",
    "email": "jan@gemeente.example",
    "organisation": "dcmr",
    "role": "algemeen-bestuur",
    "consent": "ja",
}


def test_new_item_is_a_pure_function_of_its_arguments():
    ids = NewIds("sub", "reg", "owed")
    first, second = (new_item(validate(FORM, EVENT), EVENT, NOW, ids) for _ in range(2))
    assert first == second
    assert (first["submission_id"], first["registration_id"], first["mail_owed_id"]) == ("sub", "reg", "owed")
    assert first["registered_at"] == "2023-05-10T10:00:00+02:00" and first["mail_owed"] == "confirmation"


def test_each_registration_gets_ids_of_its_own():
    assert NewIds.make() != NewIds.make()
