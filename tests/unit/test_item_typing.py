"""The stored item is a TypedDict that strict mypy checks on both sides of the repository: a misspelt attribute of a
registration is a type error, whether the code reads an item it was given, reads what the repository returns, names
a slot's field or writes a change.

mypy runs here on two small modules against the function's own code: one that reads and writes items correctly,
and one with a typo on each of its marked lines. The first must pass; the second must fail at every typo.
"""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
from mypy import api

from registrations.repository import (
    SLOT_ATTRIBUTES,
    Number,
    SlotCountAttribute,
    SlotPrefix,
    SlotTextField,
    StoredRegistration,
    slot_attribute,
)

ROOT = Path(__file__).resolve().parents[2]

USES = """
from registrations.delivery.followup import FOLLOWUP
from registrations.repository import RegistrationRepository, StoredRegistration


def greeting(item: StoredRegistration) -> str:
    return "Beste " + item["{given}"] + " " + item.get("family_name", "")


def stored_name(repository: RegistrationRepository) -> str:
    return repository.get("meeting", "jan@gemeente.example")["{family}"]


def retry_at(item: StoredRegistration) -> str | None:
    return item.get(FOLLOWUP.attr("{field}"))


def correct(repository: RegistrationRepository) -> None:
    repository.update("meeting", "jan@gemeente.example", {{"{changed}": "Jan"}})
"""
RIGHT = {"given": "given_name", "family": "family_name", "field": "retry_at", "changed": "given_name"}
WRONG = {"given": "givn_name", "family": "famly_name", "field": "retry_att", "changed": "givenname"}


def check(tmp_path: Path, names: dict[str, str]) -> tuple[str, int]:
    module = tmp_path / "uses_item.py"
    module.write_text(USES.format(**names), encoding="utf-8")
    out, err, status = api.run(
        [
            "--strict",
            "--python-version=3.11",
            "--explicit-package-bases",
            "--follow-imports=silent",
            f"--cache-dir={tmp_path / 'cache'}",
            str(module),
        ]
    )
    return out + err, status


@pytest.fixture
def mypy_path(monkeypatch):
    monkeypatch.setenv("MYPYPATH", str(ROOT / "functions"))


@pytest.mark.usefixtures("mypy_path")
def test_a_misspelt_attribute_is_a_type_error_on_both_sides_of_the_repository(tmp_path):
    output, status = check(tmp_path, RIGHT)
    assert status == 0, output
    output, status = check(tmp_path, WRONG)
    assert status == 1
    # An item the code was given, and what RegistrationRepository.get returns.
    assert 'uses_item.py:7: error: TypedDict "StoredRegistration" has no key "givn_name"' in output
    assert 'uses_item.py:11: error: TypedDict "StoredRegistration" has no key "famly_name"' in output
    # A slot's field (delivery/slots.Slot.attr), and a change written through RegistrationRepository.update.
    assert 'uses_item.py:15: error: No overload variant of "attr" of "Slot" matches' in output
    assert 'uses_item.py:19: error: Extra key "givenname" for TypedDict "RegistrationAttributes"' in output
    # Only the typos' lines fail (with what follows from each typo), nothing else in the module.
    assert set(re.findall(r"uses_item\.py:(\d+): error:", output)) == {"7", "11", "15", "19"}, output


def attributes() -> dict[str, object]:
    return typing.get_type_hints(StoredRegistration)


def test_the_slot_names_are_exactly_the_slot_attributes_of_the_stored_item():
    prefixes = typing.get_args(SlotPrefix)
    in_the_item = {name for name in attributes() if name.startswith(prefixes) and not name.startswith("mail_owed")}
    assert SLOT_ATTRIBUTES == in_the_item
    # Every slot has every field, except `done` on the state-change slot (what it owes is named by mail_owed_id).
    for prefix in prefixes:
        for field in (*typing.get_args(SlotTextField), "attempts"):
            if (prefix, field) == ("mail_", "done"):
                with pytest.raises(KeyError):
                    slot_attribute(prefix, field)
            else:
                assert slot_attribute(prefix, field) == prefix + field
    # The count attributes are the slot attributes that hold a number; every other one holds a text.
    numbers = {name for name, kind in attributes().items() if kind == Number and name in SLOT_ATTRIBUTES}
    assert numbers == set(typing.get_args(SlotCountAttribute))
    assert all(attributes()[name] is str for name in SLOT_ATTRIBUTES - numbers)


def test_every_attribute_name_the_code_lists_is_an_attribute_of_the_stored_item():
    from registrations.delivery.followup import FOLLOWUP
    from registrations.delivery.meeting_channels import MEETING, REMINDER
    from registrations.delivery.reminders import DONE, SENT_LIST, TEAMS_LINK_SENT
    from registrations.delivery.slots import STATE
    from registrations.mail.ics import CHANGE_TIMES
    from registrations.registration.corrections import CANCELLED_BY
    from registrations.registration.item import CHANGEABLE, MAIL_RESETS

    listed = {*CHANGEABLE, *MAIL_RESETS, *CHANGE_TIMES, *TEAMS_LINK_SENT, DONE, SENT_LIST, CANCELLED_BY}
    for slot in (STATE, FOLLOWUP, REMINDER, MEETING):
        listed.update(slot.in_progress + slot.owed_attributes)
    assert sorted(listed - set(attributes())) == []
