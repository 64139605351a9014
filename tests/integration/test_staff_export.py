"""`registrations export` and `registrations summary` against a real dynalite."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
from boto3.dynamodb.conditions import Key

from registrations.reports.export import COLUMNS

from .staff_support import EVENT, put_items, registration, run_cli

HEADER = [header for _, header in COLUMNS]


def read_csv(data: bytes, delimiter: str = ";") -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "the CSV must start with the UTF-8 byte order mark"
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline=""), delimiter=delimiter))


def expected_row(item: dict) -> list[str]:
    """What staff should see for a stored item, written out independently of the exporter."""
    return [
        item["organisation"],
        item["family_name"],
        item["given_name"],
        item["email"],
        item["role"],
        item["on_behalf_of"],
        item["remark"],
        item["registered_at"][:10] + " " + item["registered_at"][11:16],
        "nog niet",  # the follow-up with the Teams link: not sent yet
        "",  # no reminder sent yet
        "",  # the email status: SES has said nothing yet
    ]


def test_an_export_beyond_one_page_of_1_mb_has_every_item(table, staff_env, tmp_path):
    # Given 1,000 registrations of about 1.3 KB each: more than DynamoDB's 1 MB per query page
    items = [registration(i, remark=f"Opmerking {i}: " + "x" * 980) for i in range(1000)]
    put_items(table, items)
    first_page = table.query(KeyConditionExpression=Key("event").eq(EVENT.id))
    assert "LastEvaluatedKey" in first_page and len(first_page["Items"]) < 1000, "the set-up must span pages"

    # When staff export to a file
    target = tmp_path / "aanmeldingen.csv"
    code, stdout, stderr = run_cli(["export", "-o", str(target)], staff_env)

    # Then every item is there, field by field, sorted by organisation and then family name
    assert (code, stdout, stderr) == (0, b"", "")
    rows = read_csv(target.read_bytes())
    assert rows[0] == HEADER
    by_email = {row[3]: row for row in rows[1:]}
    assert len(rows) - 1 == len(by_email) == 1000
    for item in items:
        assert by_email[item["email"]] == expected_row(item), item["email"]
    # (case-insensitive: "Omgevingsdienst de Vallei" sits between "Brabant Noord" and "Flevoland")
    order = [(row[0].casefold(), row[1].casefold()) for row in rows[1:]]
    assert order == sorted(order)
    # and only its owner may read the file: it holds personal data
    assert target.stat().st_mode & 0o777 == 0o600


def test_csv_on_stdout_has_a_bom_semicolons_and_no_chatter_when_piped(table, staff_env):
    put_items(table, [registration(1, remark="Eén; twee; drie"), registration(2)])
    code, stdout, stderr = run_cli(["export"], staff_env)
    assert code == 0 and stderr == ""
    assert stdout.startswith("\ufeffOrganisatie;Achternaam;".encode())
    rows = read_csv(stdout)
    assert [r[6] for r in rows[1:] if r[6]] == ["Eén; twee; drie"]


def test_the_delimiter_can_be_changed(table, staff_env):
    put_items(table, [registration(1, on_behalf_of="Gemeente Utrecht, Provincie Utrecht")])
    code, stdout, _ = run_cli(["export", "--delimiter", ","], staff_env)
    assert code == 0
    [header, row] = read_csv(stdout, delimiter=",")
    assert header == HEADER
    assert row[5] == "Gemeente Utrecht, Provincie Utrecht"
    code, stdout, _ = run_cli(["export", "--delimiter", "tab"], staff_env)
    assert read_csv(stdout, delimiter="\t")[0] == HEADER


def test_progress_shows_on_a_terminal(table, staff_env, tmp_path):
    put_items(table, [registration(i) for i in range(3)])
    code, _, stderr = run_cli(["export", "-o", str(tmp_path / "a.csv")], staff_env, tty=True)
    assert code == 0
    assert "Aanmeldingen ophalen: 3" in stderr
    assert stderr.rstrip().endswith(f"3 aanmeldingen geëxporteerd naar {tmp_path / 'a.csv'}.")


def test_cancelled_registrations_only_with_include_cancelled_and_then_with_a_status(table, staff_env):
    cancelled = {**registration(2), "status": "cancelled", "cancelled_at": "2023-05-12T09:30:00+02:00"}
    put_items(table, [registration(1), cancelled])

    code, stdout, _ = run_cli(["export"], staff_env)
    rows = read_csv(stdout)
    assert [r[3] for r in rows[1:]] == [registration(1)["email"]]

    code, stdout, _ = run_cli(["export", "--include-cancelled"], staff_env)
    rows = read_csv(stdout)
    assert rows[0] == HEADER + ["Status", "Afgemeld op"]
    status = {r[3]: (r[-2], r[-1]) for r in rows[1:]}
    assert status == {
        registration(1)["email"]: ("aangemeld", ""),
        cancelled["email"]: ("afgemeld", "2023-05-12 09:30"),
    }


def test_xlsx_has_text_cells_a_frozen_filtered_header_and_the_exact_values(table, staff_env, tmp_path):
    items = [
        registration(1, given_name="-Jan", family_name='=HYPERLINK("http://x.example")', remark="+31 6 1234 5678"),
        registration(2, given_name="Ærøskøbing", family_name="van 't Hoff", remark='Regel 1\nRegel 2; met "quotes"'),
    ]
    put_items(table, items)
    target = tmp_path / "aanmeldingen.xlsx"
    code, _, _ = run_cli(["export", "-o", str(target)], staff_env)
    assert code == 0

    sheet = openpyxl.load_workbook(target).active
    assert [c.value for c in sheet[1]] == HEADER
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:K3"
    rows = {row[3].value: row for row in sheet.iter_rows(min_row=2)}
    for item in items:
        cells = rows[item["email"]]
        assert [c.value or "" for c in cells] == expected_row(item)
        assert all(c.data_type == "s" for c in cells if c.value is not None), "never a formula or a number"
    assert rows[items[0]["email"]][1].quotePrefix and rows[items[0]["email"]][2].quotePrefix
    assert not rows[items[1]["email"]][1].quotePrefix


def test_xlsx_is_not_written_onto_a_terminal(table, staff_env):
    code, stdout, stderr = run_cli(["export", "--format", "xlsx"], staff_env, tty=True)
    assert code == 2 and stdout == b""
    assert "geef een bestandsnaam op met -o" in stderr


# Nasty inputs as invitees can type them (the API's rules allow all of these, or did before names refused
# < > " , ; @): (case, form fields, how the risky
# fields must read in the CSV). In the XLSX every value must come back exactly as typed.
NASTY = [
    ("formula", {"given_name": "=1+1"}, {"given_name": "'=1+1"}),
    ("dde", {"family_name": "=cmd|' /C calc'!A0"}, {"family_name": "'=cmd|' /C calc'!A0"}),
    ("plus phone", {"remark": "+31 6 1234 5678"}, {"remark": "'+31 6 1234 5678"}),
    ("minus name", {"given_name": "-Jan"}, {"given_name": "'-Jan"}),
    ("at sign", {"family_name": "@SUM(A1:A2)"}, {"family_name": "'@SUM(A1:A2)"}),
    ("full-width equals", {"given_name": "＝1+1"}, {"given_name": "'＝1+1"}),
    ("hyphen inside is fine", {"given_name": "Jan-Willem", "remark": "3 - 2 = 1"}, {}),
    ("unicode names", {"given_name": "Zoë Ærøskøbing", "family_name": "Şahin-Nguyễn 李"}, {}),
    ("emoji", {"remark": "Tot dan 👩‍💼🇳🇱"}, {}),
    ("right-to-left", {"on_behalf_of": "بلدية"}, {}),
    ("quotes", {"family_name": 'van \'t "Hoff"', "remark": "'enkel' en \"dubbel\""}, {}),
    ("newlines", {"remark": "Regel 1\nRegel 2\n\n=Regel 4"}, {}),
    ("semicolons and commas", {"on_behalf_of": "Gemeente A; Gemeente B, Provincie C"}, {}),
    ("very long remark", {"remark": ("Een heel lange opmerking. " * 40)[:1000]}, {}),
]
COLUMN_INDEX = {attribute: i for i, (attribute, _) in enumerate(COLUMNS)}


def test_nasty_inputs_survive_csv_and_xlsx(table, staff_env, tmp_path):
    items = [registration(i, **form) for i, (_, form, _) in enumerate(NASTY)]
    put_items(table, items)

    code, stdout, _ = run_cli(["export"], staff_env)
    assert code == 0
    csv_rows = {row[3]: row for row in read_csv(stdout)[1:]}
    target = tmp_path / "a.xlsx"
    assert run_cli(["export", "-o", str(target)], staff_env)[0] == 0
    xlsx_rows = {
        row[3]: [c or "" for c in row]
        for row in openpyxl.load_workbook(target).active.iter_rows(min_row=2, values_only=True)
    }

    for (case, _, in_csv), item in zip(NASTY, items, strict=True):
        expected = expected_row(item)
        expected_csv = list(expected)
        for attribute, cell in in_csv.items():
            expected_csv[COLUMN_INDEX[attribute]] = cell
        assert csv_rows[item["email"]] == expected_csv, case
        assert xlsx_rows[item["email"]] == expected, case


def test_summary_counts_per_organisation_per_role_and_in_total(table, staff_env):
    twente = {"organisation": "twente"}
    items = [
        registration(1, role="dagelijks-bestuur", **twente),
        registration(2, role="dagelijks-bestuur", **twente),
        registration(3, role="algemeen-bestuur", **twente),
        registration(4, organisation="dcmr", role="directie"),
        registration(5, organisation="anders", organisation_other="Provincie Utrecht", role="anders"),
        registration(6, organisation="anders", organisation_other="provincie  utrecht", role="anders"),
        {**registration(7, organisation="dcmr", role="directie"), "status": "cancelled"},
    ]
    put_items(table, items)
    code, stdout, _ = run_cli(["summary"], staff_env)
    assert code == 0
    lines = [" ".join(line.split()) for line in stdout.decode().splitlines()]
    assert "Omgevingsdienst Twente 3" in lines
    assert "DCMR Milieudienst Rijnmond 1" in lines
    assert "RUD Drenthe 0" in lines
    assert "Andere organisatie: Provincie Utrecht 2" in lines
    assert "Lid van het dagelijks bestuur 2" in lines
    assert "Lid van het algemeen bestuur 1" in lines
    assert "Directeur of lid van de directie van een omgevingsdienst 1" in lines
    assert "Anders 2" in lines
    assert lines.count("Totaal 6") == 2
    assert "Totaal aangemeld: 6" in lines
    assert "Afgemeld (niet meegeteld): 1" in lines


def test_the_console_script_is_installed_and_stays_quiet_in_a_pipe(table, staff_env):
    put_items(table, [registration(1)])
    script = Path(sys.executable).with_name("registrations")
    result = subprocess.run([str(script), "export"], capture_output=True, timeout=60, env={**os.environ, **staff_env})
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    assert read_csv(result.stdout)[1][3] == registration(1)["email"]


def test_a_missing_region_is_a_clear_dutch_error(staff_env):
    code, _, stderr = run_cli(["export", "--table", "t"], {})
    assert code == 2
    assert "Geef ook de AWS-regio van de tabel op" in stderr
