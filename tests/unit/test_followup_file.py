"""vervolgmail.toml as staff upload it: every bad input a Dutch line naming the field or file; Windows' quirks read;
the code derived from exactly what was checked, and recognised at the top and at the end of the file."""

from __future__ import annotations

import io
import zipfile

import pytest

from registrations.console.paper_files import MAX_PAPER_BYTES
from registrations.console.upload import check_upload, confirmation_code, same_code

EVENT = "ibp-vth-2023-06-07"
TEAMS = "https://teams.microsoft.com/l/meetup-join/19%3ameeting"
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        # A fixed date: the same bytes on every call (zip entries carry their time, to 2 seconds)
        archive.writestr(zipfile.ZipInfo("[Content_Types].xml", (2023, 5, 1, 0, 0, 0)), "<Types/>")
        archive.writestr(zipfile.ZipInfo("word/document.xml", (2023, 5, 1, 0, 0, 0)), "<w:document/>")
    return out.getvalue()


class Uploads:
    def __init__(self, files: dict[str, bytes] | None = None, sizes: dict[str, int] | None = None):
        self.files = dict(files or {})
        self.sizes = dict(sizes or {})

    def names(self):
        return sorted(set(self.files) | set(self.sizes))

    def size(self, name):
        if name in self.sizes:
            return self.sizes[name]
        return len(self.files[name]) if name in self.files else None

    def read(self, name):
        return self.files.get(name)


GOOD = f'''teams_link = "{TEAMS}"

[[papers]]
title = "Agenda"
file = "agenda.pdf"

[[papers]]
title = "Notitie normering robuustheid"
file = "notitie.docx"

[[papers]]
title = "Achtergrond"
url = "https://vng.nl/achtergrond"
'''


def uploads(**extra: bytes) -> Uploads:
    return Uploads({"agenda.pdf": PDF, "notitie.docx": docx(), **extra})


def check(text: str | bytes, files: Uploads | None = None, source: str = "vervolgmail.toml"):
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return check_upload(source, raw, files if files is not None else uploads(), EVENT)


def test_a_good_file_is_checked_with_its_papers_and_a_code():
    result = check(GOOD)
    assert result.ok, result.problems
    assert result.teams_link == TEAMS
    assert [(p.title, p.file, p.url) for p in result.papers] == [
        ("Agenda", "agenda.pdf", ""),
        ("Notitie normering robuustheid", "notitie.docx", ""),
        ("Achtergrond", "", "https://vng.nl/achtergrond"),
    ]
    assert result.papers[0].data == PDF
    assert len(result.code) == 11 and result.code[5] == "-"
    assert result.given_code is None and not result.confirmed


def test_the_code_follows_the_content_and_the_bytes_of_the_files():
    code = check(GOOD).code
    assert check(GOOD).code == code
    assert check(GOOD.replace("Agenda", "Agenda (concept)")).code != code
    assert check(GOOD, uploads(**{"agenda.pdf": PDF + b"% changed\n"})).code != code
    assert check_upload("vervolgmail.toml", GOOD.encode(), uploads(), "een-andere-bijeenkomst").code != code


@pytest.mark.parametrize("where", ["top", "end", "end-without-newline", "middle"])
def test_the_code_line_is_recognised_at_the_top_and_at_the_end(where):
    code = check(GOOD).code
    line = f'versturen = "{code}"'
    text = {
        "top": f"{line}\n{GOOD}",
        "end": f"{GOOD}\n{line}\n",
        "end-without-newline": f"{GOOD}{line}",
        "middle": GOOD.replace('[[papers]]\ntitle = "Achtergrond"', f'{line}\n[[papers]]\ntitle = "Achtergrond"'),
    }[where]
    result = check(text)
    assert result.ok, result.problems
    # After [[papers]] the line would belong to the last paper: it is taken out before the TOML is read
    assert result.code == code
    assert result.confirmed


def test_the_code_is_compared_without_case_spaces_or_dash():
    code = check(GOOD).code
    assert same_code(f" {code.lower().replace('-', '')} ", code)
    assert not same_code("ABCDE-FGHIJ", code)
    assert not same_code("", "")


def test_a_code_that_does_not_match_does_not_confirm():
    result = check(f'versturen = "ABCDE-FGHIJ"\n{GOOD}')
    assert result.ok and not result.confirmed
    assert result.given_code == "ABCDE-FGHIJ"


def test_a_code_line_in_another_shape_is_named():
    result = check(f"versturen = ABCDE\n{GOOD}")
    assert any("Regel 1" in p and 'versturen = "CODE"' in p for p in result.problems)


def problems(text: str, files: Uploads | None = None, source: str = "vervolgmail.toml") -> str:
    result = check(text, files, source)
    assert not result.ok
    assert not result.code  # nothing with a problem gets a code
    return "\n".join(result.problems)


def test_a_file_that_names_another_meeting_is_refused_and_one_that_names_its_own_is_checked():
    # Written for one meeting, uploaded into another meeting's folder: nothing gets a code
    text = problems('bijeenkomst = "ibp-vth-2024-06-05"\n' + GOOD)
    assert "dit bestand is voor bijeenkomst ibp-vth-2024-06-05, niet voor ibp-vth-2023-06-07" in text
    assert "ibp-vth-2024-06-05/vervolgmail/" in text
    assert "code van een bijeenkomst" in problems("bijeenkomst = 2024\n" + GOOD)
    own = check(f'bijeenkomst = "{EVENT}"\n' + GOOD)
    assert own.ok and own.code == check(GOOD).code


def test_the_staff_commands_content_file_may_name_its_meeting_too(tmp_path):
    from registrations.console.content import FollowupContent, FollowupContentError

    path = tmp_path / "vervolgmail.toml"
    path.write_text(
        f'bijeenkomst = "{EVENT}"\nteams_link = "{TEAMS}"\n[[papers]]\ntitle = "A"\nurl = "https://a.example"\n'
    )
    assert FollowupContent.from_file(path, EVENT).teams_link == TEAMS
    with pytest.raises(FollowupContentError, match="niet voor een-andere-bijeenkomst"):
        FollowupContent.from_file(path, "een-andere-bijeenkomst")


def test_toml_that_does_not_parse_names_the_line():
    text = problems(GOOD.replace('title = "Agenda"', "title = Agenda"))
    assert "regel 4" in text and "geen geldige TOML" in text and "title = Agenda" in text


def test_an_unknown_key_is_named_with_a_suggestion():
    text = problems(GOOD.replace("teams_link", "teamslink"))
    assert "‘teamslink’ is geen bekend veld" in text and "Bedoelt u teams_link?" in text
    text = problems(GOOD.replace('url = "https://vng.nl/achtergrond"', 'link = "https://vng.nl/achtergrond"'))
    assert "Stuk 3 (‘Achtergrond’): ‘link’ is geen bekend veld" in text


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "http://vng.nl/achtergrond", "vng.nl/achtergrond", "https://vng.nl/a b"]
)
def test_a_link_that_is_not_https_is_refused(link):
    text = problems(GOOD.replace("https://vng.nl/achtergrond", link))
    assert "Stuk 3 (‘Achtergrond’): de link (url) moet een volledige https-link zijn" in text


def test_a_teams_link_that_is_not_https_is_refused():
    text = problems(GOOD.replace(TEAMS, "http://teams.microsoft.com/x"))
    assert "De Teams-link (teams_link) moet een volledige https-link zijn" in text


def test_a_missing_file_is_named():
    text = problems(GOOD, Uploads({"agenda.pdf": PDF}))
    assert "het bestand ‘notitie.docx’ staat niet in de map vervolgmail/" in text


def test_a_file_named_in_another_case_gets_a_hint():
    text = problems(GOOD, Uploads({"Agenda.PDF": PDF, "notitie.docx": docx()}))
    assert "Er staat wel ‘Agenda.PDF’" in text


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("agenda.exe", b"MZ\x90\x00", "dit soort bestand kan niet"),
        ("agenda.html", b"<html>", "dit soort bestand kan niet"),
        ("agenda.pdf", b"<html><script>", "geen echt PDF-bestand"),
        ("agenda.pdf", b"MZ\x90\x00", "geen echt PDF-bestand"),
        ("agenda.docx", b"PK\x03\x04not really a zip", "geen echt Word-bestand"),
        ("agenda.docx", PDF, "geen echt Word-bestand"),
    ],
)
def test_a_file_of_the_wrong_type_is_refused_by_extension_and_by_its_bytes(name, data, expected):
    text = problems(GOOD.replace('"agenda.pdf"', f'"{name}"'), uploads(**{name: data}))
    assert expected in text and name in text


def test_an_xlsx_is_not_a_word_file():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    text = problems(GOOD, uploads(**{"notitie.docx": out.getvalue()}))
    assert "‘notitie.docx’ is geen echt Word-bestand" in text


def test_a_21_mb_file_is_refused_without_reading_it():
    files = uploads()
    files.sizes["agenda.pdf"] = 21 * 1024 * 1024
    files.files.pop("agenda.pdf")
    text = problems(GOOD, files)
    assert "‘agenda.pdf’ is te groot: 21.0 MB" in text and "hoogstens 20 MB" in text
    assert MAX_PAPER_BYTES == 20 * 1024 * 1024


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../agenda.pdf", "zonder map of ‘..’"),
        ("stukken/agenda.pdf", "zonder map of ‘..’"),
        ("C:\\\\Users\\\\agenda.pdf", "zonder map of ‘..’"),
        (".agenda.pdf", "niet met een punt beginnen"),
        ("agenda\\t.pdf", "onzichtbare tekens"),
        ("agenda\\u202e.pdf", "onzichtbare tekens"),
    ],
)
def test_an_unsafe_file_name_is_refused(name, expected):
    text = problems(GOOD.replace('"agenda.pdf"', f'"{name}"'))
    assert expected in text


def test_two_papers_with_one_file_or_one_title_are_refused():
    text = problems(GOOD.replace('"notitie.docx"', '"agenda.pdf"'))
    assert "stuk 1 noemt hetzelfde bestand ‘agenda.pdf’" in text
    text = problems(GOOD.replace("Notitie normering robuustheid", "agenda"))
    assert "Stuk 2 (‘agenda’): stuk 1 heeft dezelfde titel" in text


def test_a_paper_with_both_url_and_file_or_neither_is_refused():
    text = problems(GOOD.replace('file = "agenda.pdf"', 'file = "agenda.pdf"\nurl = "https://vng.nl/a"'))
    assert "Stuk 1 (‘Agenda’): geef óf url" in text
    text = problems(GOOD.replace('file = "agenda.pdf"', ""))
    assert "Stuk 1 (‘Agenda’): geef óf url" in text


def test_every_problem_is_listed_not_only_the_first():
    text = problems(GOOD.replace(TEAMS, "http://x").replace("https://vng.nl/achtergrond", "javascript:x"), Uploads())
    assert text.count("\n") >= 3


# --- what Windows editors make -------------------------------------------------------------------------------


def test_a_bom_and_crlf_line_ends_are_read():
    result = check(b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode("utf-8"))
    assert result.ok, result.problems
    assert result.code == check(GOOD).code


def test_a_code_line_with_crlf_at_the_end_is_recognised():
    code = check(GOOD).code
    result = check((GOOD + f'versturen = "{code}"\r\n').replace("\n", "\r\n").encode("utf-8"))
    assert result.confirmed


def test_a_file_saved_as_toml_txt_is_read_and_said():
    result = check(GOOD, source="vervolgmail.toml.txt")
    assert result.ok
    assert any("vervolgmail.toml.txt" in note and "Windows voegde .txt toe" in note for note in result.notes)


def test_windows_1252_is_read_and_said():
    text = GOOD.replace("Achtergrond", "Achtergrond bij de één-loketfunctie")
    result = check(text.encode("cp1252"))
    assert result.ok, result.problems
    assert result.papers[2].title == "Achtergrond bij de één-loketfunctie"
    assert any("Windows-1252" in note for note in result.notes)


def test_utf16_from_notepad_is_read():
    result = check(GOOD.encode("utf-16"))
    assert result.ok and result.code == check(GOOD).code


def test_words_curly_quotes_around_values_are_read_and_kept_inside_values():
    text = GOOD.replace('"Agenda"', "“Agenda”").replace(f'"{TEAMS}"', f"“{TEAMS}”")
    text = text.replace('"Notitie normering robuustheid"', "‘Notitie ‘normering’ robuustheid’")
    text = text.replace('"Achtergrond"', '"De ‘achtergrond’"')
    result = check(text)
    assert result.ok, result.problems
    assert result.teams_link == TEAMS
    assert [p.title for p in result.papers] == ["Agenda", "Notitie ‘normering’ robuustheid", "De ‘achtergrond’"]
    assert any("gekrulde aanhalingstekens" in note for note in result.notes)


def test_a_code_line_in_curly_quotes_is_recognised():
    code = check(GOOD).code
    assert check(f"{GOOD}versturen = “{code}”\n").confirmed


def test_bytes_that_are_no_text_at_all_are_refused():
    text = problems(b"\x81\x8d\x8f\x90\x9d")
    assert "kan niet worden gelezen" in text and "UTF-8" in text


def test_confirmation_code_is_base32():
    code = confirmation_code(EVENT, TEAMS, ())
    assert set(code.replace("-", "")) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def test_a_missing_teams_link_or_an_empty_url_is_named():
    text = problems(GOOD.replace(f'teams_link = "{TEAMS}"', ""))
    assert 'De Teams-link (teams_link) ontbreekt. Zet bovenaan: teams_link = "https://' in text
    text = problems(GOOD.replace('url = "https://vng.nl/achtergrond"', 'url = ""'))
    assert "Stuk 3 (‘Achtergrond’): de link (url) ontbreekt." in text and "Zet bovenaan" not in text


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (b"{\\rtf1\\ansi teams_link = ...}", "RTF-document"),
        (docx(), "Word-document"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "Word-document"),
    ],
)
def test_a_word_processor_document_instead_of_plain_text_is_named(raw, kind):
    text = problems(raw)
    assert f"vervolgmail.toml is opgeslagen als {kind}" in text and "platte tekst" in text


def test_utf16_without_a_bom_is_named():
    text = problems(GOOD.encode("utf-16-le"))
    assert "nultekens" in text


def test_a_file_name_in_another_unicode_form_is_the_same_file():
    import unicodedata

    typed = "Notitie één.pdf"
    stored = unicodedata.normalize("NFD", typed)
    result = check(GOOD.replace('"agenda.pdf"', f'"{typed}"'), uploads(**{stored: PDF}))
    assert result.ok, result.problems
    assert result.papers[0].file == stored and result.papers[0].data == PDF
