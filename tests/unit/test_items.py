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


def test_one_reader_of_stored_times_and_what_each_caller_makes_of_a_missing_one():
    from registrations.observability.metrics import overdue_since
    from registrations.registration.item import parse_time, read_time
    from registrations.registration.moments import moment_text

    assert read_time("2023-06-07T10:15:00+02:00") == dt.datetime(2023, 6, 7, 8, 15, tzinfo=dt.UTC)
    assert read_time("2023-06-07T08:15:00") == dt.datetime(2023, 6, 7, 8, 15, tzinfo=dt.UTC)  # no offset: UTC
    assert [read_time(text) for text in ("", None, "gisteren", 5)] == [None] * 4
    assert parse_time("gisteren") == dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # long ago: never blocks an email
    assert moment_text("2023-06-07T08:15:00", EVENT) == "7 juni 2023 om 10.15 uur"
    assert moment_text("gisteren", EVENT) == "gisteren"
    assert moment_text(None, EVENT) == moment_text("", EVENT) == ""
    assert moment_text(dt.datetime(2023, 6, 7, 8, 15, tzinfo=dt.UTC), EVENT) == "7 juni 2023 om 10.15 uur"
    assert not overdue_since("", None, NOW)


def test_one_full_name_for_the_address_line_the_calendar_and_the_staff_lines():
    from registrations.mail import ics
    from registrations.registration.item import full_name
    from registrations.staff.output import person

    item = {"given_name": " Jan ", "family_name": "Jansen", "email": "jan@gemeente.example"}
    assert full_name(item) == "Jan Jansen"
    assert full_name({"given_name": "", "family_name": " Jansen"}) == "Jansen"
    assert full_name({}) == ""
    assert person(item) == "Jan Jansen <jan@gemeente.example>"
    entry, _ = ics.invitation(EVENT, item, "vng@example.org", NOW)
    assert b'CN="Jan Jansen"' in entry.replace(b"\r\n ", b"")


def test_one_definition_of_active_and_the_rules_that_add_reachable_build_on_it():
    from registrations.delivery.meeting_changes import hears_of_changes
    from registrations.delivery.reminders import reachable
    from registrations.registration.item import is_active

    registered, cancelled, bounced = {"status": "registered"}, {"status": "cancelled"}, {"email_status": "bounced"}
    assert [is_active(i) for i in (registered, cancelled, {})] == [True, False, False]
    for rule in (reachable, hears_of_changes):
        assert rule(registered) and not rule(cancelled)
        assert not rule({**registered, **bounced})
        assert not rule({**registered, "email_status": "rejected"})


def test_one_text_for_the_store_failed_in_each_place_a_person_meets_it():
    from registrations.errors import StoreUnavailable

    texts = (StoreUnavailable.message, StoreUnavailable.reading_message, StoreUnavailable.change_message)
    for text in texts:
        assert "door een storing bij ons. Probeer het over een paar minuten opnieuw." in text
    assert len(set(texts)) == 3


def test_the_key_names_come_from_the_schema_file_and_are_attributes_of_the_stored_item():
    import json

    from registrations import repository
    from registrations.repository import StoredRegistration

    schema = json.loads(repository.TABLE_SCHEMA_FILE.read_text(encoding="utf-8"))
    keys = {part["KeyType"]: part["AttributeName"] for part in schema["KeySchema"]}
    (index,) = schema["GlobalSecondaryIndexes"]
    assert (repository.PARTITION_KEY, repository.SORT_KEY) == (keys["HASH"], keys["RANGE"])
    assert (repository.REGISTRATION_ID_INDEX, repository.REGISTRATION_ID) == (
        index["IndexName"],
        index["KeySchema"][0]["AttributeName"],
    )
    names = (repository.PARTITION_KEY, repository.SORT_KEY, repository.REGISTRATION_ID, repository.TTL_ATTRIBUTE)
    assert set(names) <= StoredRegistration.__required_keys__ | StoredRegistration.__optional_keys__
