"""The stored item is a TypedDict that strict mypy checks: a misspelt attribute of a registration is a type error.

mypy runs here on two small modules against the function's own code: one that reads the item correctly, and one
with a typo. The first must pass and the second must fail, at the typo's line.
"""

from __future__ import annotations

from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parents[2]

READS = """
from registrations.registration.item import Registration


def greeting(item: Registration) -> str:
    return "Beste " + item["{name}"] + " " + item.get("family_name", "")
"""


def check(tmp_path: Path, name: str) -> tuple[str, int]:
    module = tmp_path / "reads_item.py"
    module.write_text(READS.format(name=name), encoding="utf-8")
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


def test_a_misspelt_attribute_of_the_stored_item_is_a_type_error(tmp_path, monkeypatch):
    monkeypatch.setenv("MYPYPATH", str(ROOT / "functions"))
    output, status = check(tmp_path, "given_name")
    assert status == 0, output
    output, status = check(tmp_path, "givn_name")
    assert status == 1
    assert 'reads_item.py:6: error: TypedDict "Registration" has no key "givn_name"' in output
