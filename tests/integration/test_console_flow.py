"""Publishing from the console, locally: vervolgmail.toml dropped into the exports folder, controle.txt with the
preview or the problems, a code that publishes, a wrong one that publishes nothing, the published copies immutable,
and the papers through the personal link (dynalite)."""

from __future__ import annotations

import html
import stat

import pytest

from registrations import create_app, create_deliverer
from registrations.console.files import FolderConsoleFiles
from registrations.console.wiring import make_flow
from tests.conftest import own_page_client
from tests.console_support import PDF, TEAMS, TEAMS_NEW, StandInPublications, code_in, content, docx, drop
from tests.mailbox import messages, personal_path_of

NOTE = "Notitie robuustheid (concept).docx"
EVENT_ID = "ibp-vth-2023-06-07"


@pytest.fixture
def folders(tmp_path):
    return tmp_path / "exports", tmp_path / "gepubliceerd"


@pytest.fixture
def files(folders):
    return FolderConsoleFiles(*folders, EVENT_ID).prepare()


@pytest.fixture
def publications():
    return StandInPublications()


@pytest.fixture
def flow(app_config, clock, files, publications):
    return make_flow(create_deliverer(app_config, clock=clock), files, publications)


@pytest.fixture
def uploads(folders):
    folder = folders[0] / EVENT_ID / "vervolgmail"
    drop(folder, "agenda.pdf", PDF)
    drop(folder, NOTE, docx())
    return folder


@pytest.fixture
def registered(app_config, clock, valid_form, publications, files):
    app = create_app(app_config, clock=clock, publication=publications.current, paper_location=files.path_of)
    client = own_page_client(app)
    for address in ("een@gemeente.example", "twee@gemeente.example", "drie@gemeente.example"):
        assert client.post("/api/registrations", json={**valid_form, "email": address}).status_code == 201
    create_deliverer(app_config, clock=clock).sweep()
    links = {m["To"].addresses[0].addr_spec: personal_path_of(m) for m in messages(app_config["MAIL_OUTBOX"])}
    # One cancels: the papers are for those who come.
    assert client.post(links["drie@gemeente.example"] + "/annuleren").status_code == 303
    return client, links


def report(uploads) -> str:
    return (uploads / "controle.txt").read_text(encoding="utf-8")


def test_a_good_file_gets_the_email_the_count_and_the_code_and_publishes_nothing(
    registered, flow, uploads, publications
):
    drop(uploads, "vervolgmail.toml", content())
    assert flow.handle_upload("vervolgmail.toml").kind == "preview"
    text = report(uploads)
    assert "Alles is in orde. Er is nog niets verstuurd." in text
    assert "Onderwerp: Vergaderlink en stukken: Bestuurlijke netwerkbijeenkomst IBP VTH" in text
    assert "Beste Voornaam Achternaam," in text and TEAMS in text
    # Files through the personal link; a url as it is
    assert "- Agenda: http://127.0.0.1:8000/api/mijn-aanmelding/UW-PERSOONLIJKE-LINK/stukken/agenda.pdf" in text
    assert "stukken/Notitie%20robuustheid%20%28concept%29.docx" in text
    assert "- Achtergrond op vng.nl: https://vng.nl/achtergrond" in text
    assert "nu 2 aangemelde deelnemers" in text
    assert code_in(text) and publications.published == []
    assert "er is nog geen vervolgmail gepubliceerd" in text
    assert stat.S_IMODE((uploads / "controle.txt").stat().st_mode) == 0o600


def test_the_code_at_the_end_publishes_once_and_keeps_the_papers(registered, flow, uploads, publications, folders):
    drop(uploads, "vervolgmail.toml", content())
    flow.handle_upload("vervolgmail.toml")
    code = code_in(report(uploads))
    drop(uploads, "vervolgmail.toml", content(code=code))
    outcome = flow.handle_upload("vervolgmail.toml")
    assert (outcome.kind, outcome.version) == ("published", 1)
    [publication] = publications.published
    assert publication.teams_link == TEAMS and publication.code == code
    assert [p.file or p.url for p in publication.papers] == ["agenda.pdf", NOTE, "https://vng.nl/achtergrond"]
    kept = folders[1] / EVENT_ID / "v000001"
    assert (kept / "agenda.pdf").read_bytes() == PDF
    assert stat.S_IMODE(kept.stat().st_mode) == 0o700
    assert stat.S_IMODE((kept / "agenda.pdf").stat().st_mode) == 0o400
    text = report(uploads)
    assert "De code klopt. Versie 1 is gepubliceerd op 10 mei 2023 om 10.00 uur" in text
    assert "Gepubliceerd: versie 1, op 10 mei 2023 om 10.00 uur." in text
    assert "- nog te versturen: 2" in text
    # The same upload again (S3 may deliver an event twice): nothing new
    assert flow.handle_upload("vervolgmail.toml").kind == "already_published"
    assert len(publications.published) == 1


def test_a_wrong_code_publishes_nothing_and_says_so(registered, flow, uploads, publications):
    drop(uploads, "vervolgmail.toml", content(code="AAAAA-BBBBB"))
    assert flow.handle_upload("vervolgmail.toml").kind == "wrong_code"
    assert publications.published == []
    text = report(uploads)
    assert "DE CODE KLOPT NIET. Er is niets verstuurd." in text
    assert 'versturen = "AAAAA-BBBBB"' in text
    assert code_in(text) != "AAAAA-BBBBB"


def test_a_file_changed_after_the_check_makes_the_code_wrong(registered, flow, uploads, publications):
    drop(uploads, "vervolgmail.toml", content())
    flow.handle_upload("vervolgmail.toml")
    code = code_in(report(uploads))
    drop(uploads, "agenda.pdf", PDF + b"% een andere versie\n")
    drop(uploads, "vervolgmail.toml", content(code=code))
    assert flow.handle_upload("vervolgmail.toml").kind == "wrong_code"
    assert publications.published == []


def test_a_bad_file_lists_every_problem_and_publishes_nothing(registered, flow, uploads, publications):
    (uploads / NOTE).unlink()
    drop(
        uploads,
        "vervolgmail.toml.txt",
        content(teams="http://teams.example/x", extra='\n[[papers]]\ntitle = "Agenda"\nfile = "../geheim.pdf"\n'),
    )
    assert flow.handle_upload("vervolgmail.toml.txt").kind == "problems"
    assert publications.published == []
    text = report(uploads)
    assert "Er zijn 4 problemen gevonden. Er is niets verstuurd." in text
    assert "moet een volledige https-link zijn" in text
    assert f"het bestand ‘{NOTE}’ staat niet in de map vervolgmail/" in text
    assert "Stuk 4 (‘Agenda’): stuk 1 heeft dezelfde titel" in text
    assert "zonder map of ‘..’" in text
    assert "versturen = " not in text
    assert "Windows voegde .txt toe" in text


def test_nothing_uploaded_says_what_to_do(flow, files, uploads):
    assert flow.handle_upload().kind == "missing"
    assert f"Er staat geen vervolgmail.toml in de map {EVENT_ID}/vervolgmail/" in report(uploads)


def publish(flow, uploads, text: str) -> str:
    drop(uploads, "vervolgmail.toml", text)
    flow.handle_upload("vervolgmail.toml")
    code = code_in(report(uploads))
    drop(uploads, "vervolgmail.toml", text + f'\nversturen = "{code}"\n')
    assert flow.handle_upload("vervolgmail.toml").kind == "published"
    return code


def test_a_paper_overwritten_after_publishing_does_not_change_the_published_copy(
    registered, flow, uploads, publications
):
    client, links = registered
    publish(flow, uploads, content())
    drop(uploads, "agenda.pdf", b"%PDF-1.7\n% overwritten later\n")
    response = client.get(links["een@gemeente.example"] + "/stukken/agenda.pdf")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="agenda.pdf"')
    assert response.headers["Cache-Control"] == "no-store"


def test_the_download_names_the_file_as_uploaded(registered, flow, uploads):
    client, links = registered
    publish(flow, uploads, content())
    response = client.get(links["een@gemeente.example"] + "/stukken/Notitie%20robuustheid%20%28concept%29.docx")
    assert response.status_code == 200 and response.data == docx()
    assert "filename*=UTF-8''Notitie%20robuustheid%20%28concept%29.docx" in response.headers["Content-Disposition"]


def test_the_personal_page_lists_the_papers_through_the_personal_link(registered, flow, uploads):
    client, links = registered
    path = links["een@gemeente.example"]
    assert "De stukken voor de bijeenkomst" not in client.get(path).get_data(as_text=True)
    publish(flow, uploads, content())
    page = html.unescape(client.get(path).get_data(as_text=True))
    assert f'href="{path}/stukken/agenda.pdf"' in page
    assert 'href="https://vng.nl/achtergrond"' in page
    assert "met de link kan iemand anders ook uw aanmelding wijzigen of annuleren" in page
    # A cancelled registration's page lists none
    assert "De stukken voor de bijeenkomst" not in client.get(links["drie@gemeente.example"]).get_data(as_text=True)


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_a_cancelled_registration_gets_no_paper(registered, flow, uploads):
    client, links = registered
    publish(flow, uploads, content())
    response = client.get(links["drie@gemeente.example"] + "/stukken/agenda.pdf")
    assert response.status_code == 403
    assert "De stukken zijn alleen voor wie is aangemeld" in page(response)
    assert PDF not in response.data
    assert response.headers["Content-Type"].startswith("text/html")


def test_a_revoked_or_unknown_link_or_paper_gets_a_dutch_page_and_no_file(registered, flow, uploads, app_config):
    from registrations.repository import RegistrationRepository, dynamodb_resource

    client, links = registered
    publish(flow, uploads, content())
    path = links["twee@gemeente.example"]
    unknown = client.get(path + "/stukken/geheim.pdf")
    assert unknown.status_code == 410 and "Dit stuk is er niet" in page(unknown)
    tampered = client.get(path[:-3] + "xyz/stukken/agenda.pdf")
    assert tampered.status_code == 400 and "Deze link werkt niet" in page(tampered)
    table = dynamodb_resource(app_config["AWS_REGION"], app_config["DYNAMODB_ENDPOINT"]).Table(
        app_config["REGISTRATIONS_TABLE"]
    )
    RegistrationRepository(table).revoke_links("ibp-vth-2023-06-07", "twee@gemeente.example")
    revoked = client.get(path + "/stukken/agenda.pdf")
    assert revoked.status_code == 400 and "Deze link werkt niet meer" in page(revoked)
    for response in (unknown, tampered, revoked):
        assert PDF not in response.data


def test_an_active_link_gets_a_paper_only_once_it_is_published(registered):
    client, links = registered
    response = client.get(links["een@gemeente.example"] + "/stukken/agenda.pdf")
    assert response.status_code == 410


def test_a_second_version_shows_what_changes_and_keeps_both(registered, flow, uploads, publications, folders):
    publish(flow, uploads, content())
    drop(uploads, "agenda.pdf", PDF + b"% versie 2\n")
    drop(uploads, "bijlage.pdf", PDF)
    extra = '\n[[papers]]\ntitle = "Bijlage"\nfile = "bijlage.pdf"\n'
    drop(uploads, "vervolgmail.toml", content(teams=TEAMS_NEW, extra=extra))
    assert flow.handle_upload("vervolgmail.toml").kind == "preview"
    text = report(uploads)
    assert "Dit wordt versie 2. Wat er verandert ten opzichte van versie 1:" in text
    assert "- de Teams-link is veranderd" in text
    assert "- vernieuwd: Agenda" in text and "- nieuw stuk: Bijlage" in text
    # The stand of version 1 stays on top while version 2 waits for its code
    assert "Gepubliceerd: versie 1" in text
    # Both emails: the follow-up for who had none, and the short one (with the calendar update) for who had version 1
    assert "Zo krijgt wie nog geen eerdere versie kreeg de mail" in text
    assert "En zo krijgt wie een eerdere versie al had de korte mail:" in text
    assert "Onderwerp: Gewijzigd: vergaderlink of stukken" in text
    assert "Bijlage: de bijgewerkte afspraak voor de agenda, met de nieuwe Teams-link." in text
    publish(flow, uploads, content(teams=TEAMS_NEW, extra=extra))
    assert [p.version for p in publications.published] == [1, 2]
    assert (folders[1] / EVENT_ID / "v000001" / "agenda.pdf").read_bytes() == PDF
    assert (folders[1] / EVENT_ID / "v000002" / "agenda.pdf").read_bytes() == PDF + b"% versie 2\n"


def test_progress_is_rewritten_after_a_round(registered, flow, uploads, publications, app_config):
    from registrations.repository import RegistrationRepository, dynamodb_resource

    assert flow.report_progress() is False
    publish(flow, uploads, content())
    table = dynamodb_resource(app_config["AWS_REGION"], app_config["DYNAMODB_ENDPOINT"]).Table(
        app_config["REGISTRATIONS_TABLE"]
    )
    RegistrationRepository(table).update(
        "ibp-vth-2023-06-07", "een@gemeente.example", {"followup_mail_status": "sent", "followup_version": 1}
    )
    assert flow.report_progress() is True
    text = report(uploads)
    assert "- verstuurd: 1\n- nog te versturen: 1\n- mislukt: 0" in text
    # The check below the stand is kept
    assert "De code klopt. Versie 1 is gepubliceerd" in text
