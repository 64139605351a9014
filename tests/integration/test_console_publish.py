"""The console flow with the real publication and the deliverer: publishing makes the follow-up owed, a second
version gives exactly one change email to those who had the first, and an upload while sending does not interrupt
it (dynalite, the outbox)."""

from __future__ import annotations

import pytest

from registrations import create_app, create_deliverer
from registrations.console.files import FolderConsoleFiles
from registrations.console.wiring import make_flow
from registrations.delivery.publication import all_versions
from registrations.repository import RegistrationRepository
from tests.conftest import own_page_client
from tests.console_support import PDF, TEAMS, TEAMS_NEW, code_in, content, docx, drop
from tests.mailbox import messages, personal_path_of, text_of

NOTE = "Notitie robuustheid (concept).docx"
EVENT_ID = "ibp-vth-2023-06-07"
EXTRA = '\n[[papers]]\ntitle = "Bijlage"\nfile = "bijlage.pdf"\n'


@pytest.fixture
def files(tmp_path):
    return FolderConsoleFiles(tmp_path / "exports", tmp_path / "gepubliceerd", EVENT_ID).prepare()


@pytest.fixture
def deliverer(app_config, clock):
    return create_deliverer(app_config, clock=clock)


@pytest.fixture
def flow(deliverer, files):
    return make_flow(deliverer, files)  # delivery/publication.py itself


@pytest.fixture
def uploads(files):
    drop(files.uploads, "agenda.pdf", PDF)
    drop(files.uploads, NOTE, docx())
    drop(files.uploads, "bijlage.pdf", PDF + b"% bijlage\n")
    return files.uploads


@pytest.fixture
def client(app_config, clock, files):
    # The app reads the publication itself (create_app's default); the papers from the local published folder
    return own_page_client(create_app(app_config, clock=clock, paper_location=files.path_of))


def register(client, valid_form, *addresses):
    for address in addresses:
        assert client.post("/api/registrations", json={**valid_form, "email": address}).status_code == 201


def publish(flow, uploads, text: str) -> None:
    drop(uploads, "vervolgmail.toml", text)
    assert flow.handle_upload("vervolgmail.toml").kind == "preview"
    code = code_in((uploads / "controle.txt").read_text(encoding="utf-8"))
    drop(uploads, "vervolgmail.toml", text + f'\nversturen = "{code}"\n')
    assert flow.handle_upload("vervolgmail.toml").kind == "published"


def sent_since(outbox, seen: frozenset = frozenset()):
    """The messages written since `seen` (the outbox's file names; they do not sort by time within a second)."""
    import email
    from email import policy
    from pathlib import Path

    paths = set(Path(outbox).glob("*.eml")) if Path(outbox).exists() else set()
    new = sorted(paths - seen)
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in new], frozenset(paths)


def to(message) -> str:
    return message["To"].addresses[0].addr_spec


def subjects(found) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for message in found:
        result.setdefault(to(message), []).append(str(message["Subject"]).split(":")[0])
    return result


def test_a_second_version_gives_exactly_one_change_email_to_earlier_recipients(
    client, valid_form, flow, deliverer, uploads, app_config, table
):
    outbox = app_config["MAIL_OUTBOX"]
    register(client, valid_form, "een@gemeente.example", "twee@gemeente.example", "drie@gemeente.example")
    deliverer.sweep()
    links = {to(m): personal_path_of(m) for m in messages(outbox)}
    assert client.post(links["drie@gemeente.example"] + "/annuleren").status_code == 303
    deliverer.sweep()
    _, seen = sent_since(outbox)

    publish(flow, uploads, content())
    deliverer.sweep()
    first, seen = sent_since(outbox, seen)
    assert subjects(first) == {
        "een@gemeente.example": ["Vergaderlink en stukken"],
        "twee@gemeente.example": ["Vergaderlink en stukken"],
    }
    body = text_of(first[0])
    assert TEAMS in body and "/stukken/agenda.pdf" in body
    flow.report_progress()
    report = (uploads / "controle.txt").read_text(encoding="utf-8")
    assert "- verstuurd: 2\n- nog te versturen: 0\n- mislukt: 0" in report

    # A late registrant: the confirmation carries version 1
    register(client, valid_form, "laat@gemeente.example")
    deliverer.sweep()
    late, seen = sent_since(outbox, seen)
    assert [to(m) for m in late] == ["laat@gemeente.example"] and TEAMS in text_of(late[0])

    drop(uploads, "vervolgmail.toml", content(teams=TEAMS_NEW, extra=EXTRA))
    flow.handle_upload("vervolgmail.toml")
    preview = (uploads / "controle.txt").read_text(encoding="utf-8")
    assert "Wie een eerdere versie al kreeg (3)" in preview
    publish(flow, uploads, content(teams=TEAMS_NEW, extra=EXTRA))
    assert [p.version for p in all_versions(RegistrationRepository(table), EVENT_ID)] == [1, 2]
    deliverer.sweep()
    deliverer.sweep()
    changes, seen = sent_since(outbox, seen)
    # Exactly one change email to each who had version 1, none to who cancelled
    assert subjects(changes) == {
        "een@gemeente.example": ["Gewijzigd"],
        "twee@gemeente.example": ["Gewijzigd"],
        "laat@gemeente.example": ["Gewijzigd"],
    }
    change = next(m for m in changes if to(m) == "een@gemeente.example")
    body = text_of(change)
    assert "- de Teams-link is veranderd" in body and "- nieuw stuk: Bijlage" in body
    assert TEAMS_NEW in body and TEAMS not in body
    [calendar] = list(change.iter_attachments())
    assert calendar.get_content_type() == "text/calendar"
    assert TEAMS_NEW in calendar.get_content().replace("\r\n ", "")

    # Who registers now gets version 2 only, in the confirmation
    register(client, valid_form, "nieuw@gemeente.example")
    deliverer.sweep()
    newest, seen = sent_since(outbox, seen)
    assert [to(m) for m in newest] == ["nieuw@gemeente.example"]
    assert TEAMS_NEW in text_of(newest[0]) and "Bijlage" in text_of(newest[0])
    deliverer.sweep()
    assert sent_since(outbox, seen)[0] == []


def test_a_version_with_another_paper_only_sends_no_calendar_update(
    client, valid_form, flow, deliverer, uploads, app_config
):
    outbox = app_config["MAIL_OUTBOX"]
    register(client, valid_form, "een@gemeente.example")
    deliverer.sweep()
    publish(flow, uploads, content())
    deliverer.sweep()
    _, seen = sent_since(outbox)
    drop(uploads, "agenda.pdf", PDF + b"% verbeterd\n")
    drop(uploads, "vervolgmail.toml", content())
    flow.handle_upload("vervolgmail.toml")
    assert "Zonder bijlage: de Teams-link is niet veranderd" in (uploads / "controle.txt").read_text(encoding="utf-8")
    publish(flow, uploads, content())
    deliverer.sweep()
    [change], _ = sent_since(outbox, seen)
    assert "- vernieuwd: Agenda" in text_of(change)
    assert list(change.iter_attachments()) == []


def test_an_upload_while_sending_does_not_interrupt_it(client, valid_form, flow, deliverer, uploads, app_config):
    outbox = app_config["MAIL_OUTBOX"]
    register(client, valid_form, "een@gemeente.example", "twee@gemeente.example")
    deliverer.sweep()
    _, seen = sent_since(outbox)
    publish(flow, uploads, content())
    # Before the deliverer's round: newer content is checked, and waits for its own code
    drop(uploads, "vervolgmail.toml", content(teams=TEAMS_NEW))
    assert flow.handle_upload("vervolgmail.toml").kind == "preview"
    deliverer.sweep()
    sent, _ = sent_since(outbox, seen)
    assert sorted(to(m) for m in sent) == ["een@gemeente.example", "twee@gemeente.example"]
    assert all(TEAMS in text_of(m) and "Vergaderlink en stukken" in str(m["Subject"]) for m in sent)
    flow.report_progress()
    report = (uploads / "controle.txt").read_text(encoding="utf-8")
    assert "Gepubliceerd: versie 1" in report and "- verstuurd: 2" in report and "Dit wordt versie 2" in report


def test_the_personal_link_downloads_the_published_paper(client, valid_form, flow, deliverer, uploads, app_config):
    register(client, valid_form, "een@gemeente.example")
    deliverer.sweep()
    path = personal_path_of(messages(app_config["MAIL_OUTBOX"])[0])
    publish(flow, uploads, content())
    drop(uploads, "agenda.pdf", b"%PDF-1.7\n% later overschreven\n")
    response = client.get(path + "/stukken/agenda.pdf")
    assert response.status_code == 200 and response.data == PDF


def test_the_same_upload_handled_twice_at_once_publishes_one_version(flow, uploads, table, monkeypatch):
    """Two invocations for one upload: the one that loses the conditional put says "already published"."""
    from registrations.delivery import publication

    drop(uploads, "vervolgmail.toml", content())
    flow.handle_upload("vervolgmail.toml")
    code = code_in((uploads / "controle.txt").read_text(encoding="utf-8"))
    drop(uploads, "vervolgmail.toml", content(code=code))
    # Another invocation for the same event stores version 1 between this one's read and its put
    real_publish = publication.publish

    def raced(repository, event_id, *args):
        real_publish(repository, event_id, *args)  # the other invocation
        raise publication.PublicationConflict(1)  # this one's conditional put then fails

    monkeypatch.setattr(publication, "publish", raced)
    assert flow.handle_upload("vervolgmail.toml").kind == "already_published"
    assert [p.version for p in all_versions(RegistrationRepository(table), EVENT_ID)] == [1]
