"""Export formatting without storage: the formula rule, sorting, times, CSV and XLSX in memory."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from registrations.meeting import load_meeting
from registrations.reports.export import export_rows, readable_time
from registrations.reports.formats import is_formula_risk, neutralise_csv, write_csv, write_xlsx
from registrations.reports.sorting import family_name_sort_key
from registrations.reports.summary import render_summary, summarise

EVENT = load_meeting()


# (cell as typed, cell in the CSV). Risky: = + - @ first, tab/CR/LF/NUL first, spaces before = + - @, full-width.
@pytest.mark.parametrize(
    "typed, in_csv",
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://x.example";"klik")', '\'=HYPERLINK("http://x.example";"klik")'),
        ("+31 6 1234 5678", "'+31 6 1234 5678"),
        ("-Jan", "'-Jan"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("\n=1+1", "'\n=1+1"),
        ("\0", "'\0"),
        ("  =1+1", "'  =1+1"),
        ("\u00a0+1", "'\u00a0+1"),
        ("＝1+1", "'＝1+1"),
        ("﹢1", "'﹢1"),
        ("Jan-Willem", "Jan-Willem"),
        ("van 't Hoff", "van 't Hoff"),
        ("a=b", "a=b"),
        ("3 - 2", "3 - 2"),
        ("'quoted", "'quoted"),
        ("e@mail.example", "e@mail.example"),
        ("   ", "   "),
        ("", ""),
    ],
)
def test_the_formula_rule(typed, in_csv):
    assert neutralise_csv(typed) == in_csv
    assert is_formula_risk(typed) == (in_csv != typed)


@pytest.mark.parametrize(
    "family_name, key",
    [
        ("van 't Hoff", "hoff"),
        ("Van der Berg", "berg"),
        ("de Vries", "vries"),
        ("Ærøskøbing", "aeroskobing"),
        ("Øster", "oster"),
        ("Åberg", "aberg"),
        ("Straße", "strasse"),
        ("Łukasiewicz", "lukasiewicz"),
        ("Çelik", "celik"),
        ("Van", "van"),
        ("d'Ancona", "d'ancona"),
        ("in 't Veld", "veld"),
        ("El Amrani", "el amrani"),
    ],
)
def test_family_names_sort_without_their_prefix_and_accents(family_name, key):
    assert family_name_sort_key(family_name) == key


def test_a_dutch_phone_book_order_with_letters_from_other_alphabets():
    # Family names as a Dutch phone book files them: without prefix, æ as ae, ø as o, å as a, ß as ss.
    names = [
        "Zwart",
        "Øster",
        "Straße",
        "Ærøskøbing",
        "van 't Hoff",
        "Åberg",
        "Strasser",
        "Osterhout",
        "Aebi",
        "Hoffman",
        "Abels",
        "Łoś",
        "Lorentz",
        "de Vries",
    ]
    items = [item(f"{i}@x", "RUD Drenthe", name) for i, name in enumerate(names)]
    _, rows = export_rows(items)
    assert [row[1] for row in rows] == [
        "Abels",
        "Åberg",
        "Aebi",
        "Ærøskøbing",
        "van 't Hoff",
        "Hoffman",
        "Lorentz",
        "Łoś",
        "Øster",
        "Osterhout",
        "Straße",
        "Strasser",
        "de Vries",
        "Zwart",
    ]


def item(email, organisation, family_name, given_name="A", status="registered", **extra):
    return {
        "email": email,
        "organisation": organisation,
        "family_name": family_name,
        "given_name": given_name,
        "status": status,
        "registered_at": "2023-05-10T10:00:00+02:00",
        **extra,
    }


def test_rows_are_sorted_by_organisation_then_family_name_and_leave_out_cancellations():
    items = [
        item("c@x", "RUD Drenthe", "Zwart"),
        item("b@x", "omgevingsdienst Twente", "de Vries"),
        item("a@x", "DCMR Milieudienst Rijnmond", "van 't Hoff"),
        item("d@x", "DCMR Milieudienst Rijnmond", "Groen"),
        item("e@x", "RUD Drenthe", "Aap", status="cancelled"),
    ]
    header, rows = export_rows(items)
    assert header[:4] == ["Organisatie", "Achternaam", "Voornaam", "E-mailadres"]
    assert [r[3] for r in rows] == ["d@x", "a@x", "b@x", "c@x"]
    header, rows = export_rows(items, include_cancelled=True)
    assert header[-2:] == ["Status", "Afgemeld op"]
    assert [(r[3], r[-2]) for r in rows if r[0] == "RUD Drenthe"] == [("e@x", "afgemeld"), ("c@x", "aangemeld")]


@pytest.mark.parametrize(
    "stored, shown",
    [
        ("2023-05-10T10:00:00+02:00", "2023-05-10 10:00"),
        ("2023-05-24T23:59:59+02:00", "2023-05-24 23:59"),
        ("", ""),
        ("gisteren", "gisteren"),
    ],
)
def test_times_are_shown_to_the_minute(stored, shown):
    assert readable_time(stored) == shown


NASTY_ROWS = [
    [
        "=1+1",
        "-Jan",
        "Zoë Ærøskøbing",
        "a@x",
        "Rol; met puntkomma",
        '"aanhalingstekens"',
        "Regel 1\nRegel 2\r\n=3",
        "2023-05-10 10:00",
        "",
    ],
    ["@org", "李", "👩‍💼", "b@x", "", "", "x" * 5000, "", ""],
]
HEADER = [
    "Organisatie",
    "Achternaam",
    "Voornaam",
    "E-mailadres",
    "Rol",
    "Namens gemeente of provincie",
    "Vraag of opmerking",
    "Aangemeld op",
    "Vervolgmail",
]


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_csv_reads_back_with_the_csv_module(delimiter):
    stream = io.BytesIO()
    write_csv(stream, HEADER, NASTY_ROWS, delimiter=delimiter)
    data = stream.getvalue()
    assert data[:3] == b"\xef\xbb\xbf"
    assert not stream.closed, "the caller's stream stays open"
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline=""), delimiter=delimiter))
    assert rows[0] == HEADER
    assert rows[1:] == [[neutralise_csv(v) for v in row] for row in NASTY_ROWS]
    assert rows[1][0] == "'=1+1" and rows[2][0] == "'@org" and rows[1][6] == "Regel 1\nRegel 2\r\n=3"


def test_xlsx_reads_back_with_openpyxl_as_text_exactly_as_typed():
    stream = io.BytesIO()
    rows = NASTY_ROWS + [["ctrl\x01char", "", "", "c@x", "", "", "", "", ""]]
    write_xlsx(stream, HEADER, rows)
    sheet = openpyxl.load_workbook(io.BytesIO(stream.getvalue())).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:I4"
    values = [[c or "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert values[0] == HEADER
    # Line ends become plain line feeds (XML turns CR LF into LF in any case).
    assert values[1:3] == [[v.replace("\r\n", "\n") for v in row] for row in NASTY_ROWS]
    # XML cannot carry control characters: they become a visible replacement mark instead of breaking the file.
    assert values[3][0] == "ctrl\ufffdchar"
    cells = {c.coordinate: c for row in sheet.iter_rows(min_row=2) for c in row if c.value is not None}
    assert all(c.data_type == "s" for c in cells.values())
    assert cells["A2"].quotePrefix and cells["B2"].quotePrefix and cells["A3"].quotePrefix
    assert not cells["C2"].quotePrefix
    assert cells["G2"].alignment.wrap_text


def test_summary_counts_and_renders_a_table():
    items = [
        item("a@x", "RUD Drenthe", "A", role="Anders"),
        item("b@x", "RUD Drenthe", "B", role="Anders"),
        item("c@x", "Gemeente Zwolle", "C", organisation_code="anders", role="Lid van het algemeen bestuur"),
        item("d@x", "RUD Drenthe", "D", status="cancelled", role="Anders"),
    ]
    summary = summarise(items, EVENT)
    assert summary.total == 3 and summary.cancelled == 1
    assert dict(summary.by_organisation)["RUD Drenthe"] == 2
    assert dict(summary.by_organisation)["RUD Zeeland"] == 0
    assert summary.other_organisations == [("Gemeente Zwolle", 1)]
    assert dict(summary.by_role) == {
        "Lid van het dagelijks bestuur": 0,
        "Lid van het algemeen bestuur": 1,
        "Directeur of lid van de directie van een omgevingsdienst": 0,
        "Ambtelijk ondersteuner van een bestuurder": 0,
        "Anders": 2,
    }
    text = render_summary(summary, EVENT)
    assert "\nRUD Drenthe" in text and "Andere organisatie: Gemeente Zwolle" in text
    widths = {len(line) for line in text.split("Per rol")[0].splitlines()[3:] if line}
    assert len(widths) == 1, "the columns line up"
