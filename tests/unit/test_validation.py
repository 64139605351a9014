"""Every validation rule, as a table of (input, expected Dutch message). No I/O."""

from pathlib import Path

import pytest

from registrations.errors import InvalidRegistration
from registrations.meeting import load_meeting
from registrations.registration.validation import MESSAGES, validate

EVENT = load_meeting()
VALID = {
    "given_name": "Jan-Willem",
    "family_name": "van 't Hoff",
    "email": "jan@gemeente.example",
    "organisation": "dcmr",
    "organisation_other": "",
    "role": "algemeen-bestuur",
    "on_behalf_of": "",
    "remark": "",
    "consent": "ja",
}


def errors_for(**changes):
    with pytest.raises(InvalidRegistration) as caught:
        validate({**VALID, **changes}, EVENT)
    return caught.value.fields


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"given_name": ""}, "given_name", "Vul uw voornaam in."),
        ({"given_name": "   "}, "given_name", "Vul uw voornaam in."),
        ({"given_name": None}, "given_name", "Vul uw voornaam in."),
        ({"given_name": "x" * 101}, "given_name", "Uw voornaam mag niet langer zijn dan 100 tekens."),
        ({"given_name": ["Jan"]}, "given_name", "Dit veld bevat geen gewone tekst. Vul het opnieuw in."),
        ({"given_name": 42}, "given_name", "Dit veld bevat geen gewone tekst. Vul het opnieuw in."),
        (
            {"given_name": "Jan\nPiet"},
            "given_name",
            "Gebruik in dit veld alleen gewone tekens, zonder tabs of regeleinden.",
        ),
        (
            {"given_name": "Jan\x00"},
            "given_name",
            "Gebruik in dit veld alleen gewone tekens, zonder tabs of regeleinden.",
        ),
        (
            {"given_name": "Jan <a@evil.example>"},
            "given_name",
            'Gebruik in uw voornaam geen van deze tekens: < > " , ; @',
        ),
        ({"given_name": 'Jan "JJ"'}, "given_name", 'Gebruik in uw voornaam geen van deze tekens: < > " , ; @'),
        ({"family_name": ""}, "family_name", "Vul uw achternaam in."),
        ({"family_name": "Jansen, Piet"}, "family_name", 'Gebruik in uw achternaam geen van deze tekens: < > " , ; @'),
        (
            {"family_name": "Jansen; a@b.nl"},
            "family_name",
            'Gebruik in uw achternaam geen van deze tekens: < > " , ; @',
        ),
        ({"family_name": "y" * 101}, "family_name", "Uw achternaam mag niet langer zijn dan 100 tekens."),
        ({"email": ""}, "email", "Vul uw e-mailadres in."),
        ({"email": "jan"}, "email", "Vul een geldig e-mailadres in, zoals naam@gemeente.nl."),
        ({"email": "jan@"}, "email", "Vul een geldig e-mailadres in, zoals naam@gemeente.nl."),
        ({"email": "jan@@gemeente.nl"}, "email", "Vul een geldig e-mailadres in, zoals naam@gemeente.nl."),
        ({"email": "jan piet@gemeente.nl"}, "email", "Vul een geldig e-mailadres in, zoals naam@gemeente.nl."),
        ({"email": "a" * 250 + "@x.nl"}, "email", "Uw e-mailadres mag niet langer zijn dan 254 tekens."),
        (
            {"email": "jörg@example.nl"},
            "email",
            "Wij kunnen geen e-mail sturen naar een adres met letters als ö of é vóór de @. Gebruik een ander e-mailadres.",
        ),
        (
            {"email": "jan@ＢＵＣＨＥＲ.nl"},
            "email",
            "Wij kunnen het deel na de @ niet precies zo gebruiken als u het typte. Controleer het, of gebruik een ander e-mailadres.",
        ),
        ({"organisation": ""}, "organisation", "Kies uw organisatie."),
        ({"organisation": "nergens"}, "organisation", "Kies een organisatie uit de lijst."),
        ({"organisation": "anders"}, "organisation_other", "Vul de naam van uw organisatie in."),
        (
            {"organisation": "anders", "organisation_other": "z" * 151},
            "organisation_other",
            "De naam van uw organisatie mag niet langer zijn dan 150 tekens.",
        ),
        ({"role": ""}, "role", "Kies uw rol."),
        ({"role": "koning"}, "role", "Kies een rol uit de lijst."),
        (
            {"on_behalf_of": "g" * 151},
            "on_behalf_of",
            "De naam van de gemeente of provincie mag niet langer zijn dan 150 tekens.",
        ),
        ({"remark": "r" * 1001}, "remark", "Uw vraag of opmerking mag niet langer zijn dan 1000 tekens."),
        (
            {"consent": ""},
            "consent",
            "Geef aan dat u akkoord gaat met het gebruik van uw gegevens voor deze bijeenkomst.",
        ),
        (
            {"consent": "nee"},
            "consent",
            "Geef aan dat u akkoord gaat met het gebruik van uw gegevens voor deze bijeenkomst.",
        ),
        (
            {"consent": None},
            "consent",
            "Geef aan dat u akkoord gaat met het gebruik van uw gegevens voor deze bijeenkomst.",
        ),
    ],
)
def test_each_rule_gives_its_dutch_message(changes, field, message):
    # Given a valid form with one field wrong, When it is validated, Then exactly that field gets the message.
    assert errors_for(**changes) == {field: message}


def test_every_message_in_the_table_is_used_by_a_test():
    # The table above must cover each rule the service knows.
    tested = {m for m in MESSAGES.values()}
    source = Path(__file__).read_text(encoding="utf-8")
    assert [m for m in tested if m not in source] == []


def test_errors_come_in_the_order_of_the_form():
    fields = errors_for(given_name="", email="x", consent="")
    assert list(fields) == ["given_name", "email", "consent"]


@pytest.mark.parametrize(
    ("given", "family"),
    [
        ("Jan-Willem", "van 't Hoff"),
        ("Ærøskøbing", "Ørsted"),
        ("Zoë", "d’Ancona"),
        ("Fatma", "Öztürk-Yılmaz"),
    ],
)
def test_real_names_pass(given, family):
    data = validate({**VALID, "given_name": given, "family_name": family}, EVENT)
    assert (data.given_name, data.family_name) == (given, family)


def test_text_is_trimmed_and_nfc_normalised():
    decomposed = "Zoe\u0308"  # e + combining diaeresis
    data = validate({**VALID, "given_name": f"  {decomposed}  "}, EVENT)
    assert data.given_name == "Zo\u00eb"


def test_email_is_normalised_for_case_insensitive_comparison():
    assert validate({**VALID, "email": "  Jan.Jansen@Gemeente.EXAMPLE "}, EVENT).email == "jan.jansen@gemeente.example"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Jan@Bücher.Example", "jan@xn--bcher-kva.example"),
        ("jan@BÜCHER.example", "jan@xn--bcher-kva.example"),
        ("jan@straße.example", "jan@xn--strae-oqa.example"),
        ("jan@xn--bcher-kva.example", "jan@xn--bcher-kva.example"),
    ],
)
def test_an_international_domain_is_stored_in_the_ascii_form_we_can_deliver_to(typed, stored):
    # SES speaks no SMTPUTF8: the domain goes out as punycode, converted only where that is exact.
    assert validate({**VALID, "email": typed}, EVENT).email == stored


def test_another_organisation_needs_its_name_and_keeps_it():
    data = validate({**VALID, "organisation": "anders", "organisation_other": "Provincie Utrecht"}, EVENT)
    assert (data.organisation, data.organisation_other) == ("anders", "Provincie Utrecht")


def test_the_other_name_is_dropped_when_a_listed_organisation_is_chosen():
    assert validate({**VALID, "organisation_other": "iets"}, EVENT).organisation_other == ""


def test_a_remark_may_span_lines():
    assert validate({**VALID, "remark": "Eén\r\ntwee"}, EVENT).remark == "Eén\ntwee"


@pytest.mark.parametrize("consent", ["ja", "on", "true", True, "JA"])
def test_consent_accepts_what_a_checkbox_or_json_sends(consent):
    validate({**VALID, "consent": consent}, EVENT)
