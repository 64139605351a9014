"""Old data stays readable (issue 25, part 7): the items the one-meeting function stored for 2023
(tests/fixtures/items-2023.json, written by that code: tests/fixtures/write_items_2023.py), loaded into a fresh table
and served by today's code, with a second meeting beside them (dynalite).

The fixture holds three registrations whose confirmations went out, a follow-up published and delivered, one
registration cancelled through its link, one changed, and the reminder of the day before (6 June 2023, 10:00) sent
to the two still registered; plus the inbox records, the mailbox counters and the publication.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from boto3.dynamodb.types import TypeDeserializer

from registrations import create_app, create_deliverers
from registrations.delivery import publication, reminders
from registrations.delivery.channels import Round
from registrations.delivery.followup import FollowupChannel
from registrations.lambda_handler import Dispatcher
from registrations.reports.export import export_rows
from registrations.reports.summary import summarise
from registrations.repository import RegistrationRepository
from tests.conftest import own_page_client
from tests.doubles import RecordingSender
from tests.mailbox import messages

from .meetings_support import LETTER, SECOND, form, meetings_root, registrations, sent
from .test_triggers import Context, record

FIXTURE = json.loads((Path(__file__).parents[1] / "fixtures" / "items-2023.json").read_text(encoding="utf-8"))
ANNA, BRAM, CEES = "anna.devoorbeeld@gemeente.example", "b.testman@provincie.example", "cees@omgevingsdienst.example"
# After the fixture's last moment (the day-before reminder went out at 10:00), before the meeting.
AFTER = "2023-06-06T12:00"


@pytest.fixture
def config(app_config, tmp_path, table):
    deserializer = TypeDeserializer()
    with table.batch_writer() as batch:
        for stored in FIXTURE["items"]:
            batch.put_item(Item={name: deserializer.deserialize(value) for name, value in stored.items()})
    return {**app_config, "TOKEN_SECRET": FIXTURE["token_secret"], "MEETINGS_DIR": str(meetings_root(tmp_path))}


@pytest.fixture
def moment(clock):
    clock.set(AFTER)
    return clock


@pytest.fixture
def client(config, moment):
    return own_page_client(create_app(config, clock=moment))


@pytest.fixture
def sender(config):
    return RecordingSender(config["MAIL_OUTBOX"])


@pytest.fixture
def deliverers(config, moment, sender):
    return create_deliverers(config, clock=moment, transport=sender)


def link(address: str) -> str:
    return FIXTURE["personal_links"][address]


def test_the_fixture_is_what_the_one_meeting_function_stored():
    assert FIXTURE["meeting"] == LETTER
    partitions = sorted({item["event"]["S"] for item in FIXTURE["items"]})
    assert partitions == sorted([LETTER, "mail-limits", "mailboxes", "publications"])


def test_their_personal_links_still_open_and_change_and_cancel_work(client, table, deliverers, sender):
    for address in (ANNA, CEES):
        page = client.get(link(address))
        assert page.status_code == 200 and "U bent aangemeld voor de" in page.get_data(as_text=True)
    assert "U hebt uw aanmelding" in client.get(link(BRAM)).get_data(as_text=True)
    assert "Ik kom iets later." in client.get(link(CEES)).get_data(as_text=True)

    changed = {**form(ANNA), "given_name": "Anna", "family_name": "de Voorbeeld", "remark": "Toch iets eerder."}
    assert client.post(link(ANNA), data=changed).status_code == 303
    assert client.post(f"{link(CEES)}/annuleren").status_code == 303
    stored = registrations(table, LETTER)
    assert stored[ANNA]["remark"] == "Toch iets eerder." and stored[CEES]["status"] == "cancelled"
    # What they did owes one email each, and only that
    assert deliverers.sweep() == {"sent": 2}
    assert sorted(sent(sender)) == [(LETTER, ANNA), (LETTER, CEES)]
    assert deliverers.sweep() == {}


def test_they_owe_no_email_twice_from_the_sweep_or_the_stream(table, deliverers, sender, moment):
    assert deliverers.sweep() == {}
    items = registrations(table, LETTER)
    batch = {"Records": [record("MODIFY", new=item, sequence=str(n)) for n, item in enumerate(items.values())]}
    assert Dispatcher(lambda: deliverers, lambda e, c: None)(batch, Context()) == {"batchItemFailures": []}
    assert sender.sent == []
    # The next reminder (an hour before) goes to the two still registered, once each
    moment.set("2023-06-07T12:31")
    assert deliverers.sweep() == {"sent": 2}
    assert sorted(sent(sender)) == [(LETTER, ANNA), (LETTER, CEES)]
    assert deliverers.sweep() == {}


def test_the_reminder_and_follow_up_bookkeeping_reads_them(config, table, deliverers, sender, moment):
    letter = deliverers.meetings.get(LETTER)
    items = registrations(table, LETTER)
    repository = RegistrationRepository(table)
    rnd = Round(moment(), publication.all_versions(repository, LETTER))
    assert rnd.publication is not None and rnd.publication.version == 1
    for address in (ANNA, CEES):
        assert reminders.owed(items[address], letter, moment()) is None
        assert reminders.sent_keys(items[address]) == ["2023-06-06T10:00+02:00"]
        assert FollowupChannel(deliverers.letter.channels[0].mailer).owed(items[address], rnd) is None
    summary = summarise(items.values(), letter, moment(), published=True)
    assert summary.total == 2 and summary.cancelled == 1
    assert summary.next_reminder == ("7 juni 12.30 uur", 2)
    header, rows = export_rows(items.values(), include_cancelled=True)
    assert len(rows) == 3 and "Vervolgmail" in " ".join(header)

    # A corrected follow-up (version 2) is owed as a change to the two still registered, not as a first one
    expires = int(letter.expires_at.timestamp())
    publication.publish(repository, LETTER, "https://teams.example/nieuw", [], "GH78", moment().isoformat(), expires)
    assert deliverers.sweep() == {"sent": 2}
    subjects = sorted(m["Subject"].split(":")[0] for m in _outbox(config))
    assert subjects == ["Gewijzigd", "Gewijzigd"]


def test_a_registration_for_a_second_meeting_coexists_with_them(client, table, deliverers, sender):
    assert client.post("/api/registrations", json=form(ANNA, SECOND)).status_code == 201
    # The 2023 meeting closed on 24 May, whatever is stored for it
    assert client.post("/api/registrations", json=form("nieuw@gemeente.example", LETTER)).status_code == 403
    assert deliverers.sweep() == {"sent": 1}
    assert sent(sender) == [(SECOND, ANNA)]
    assert list(registrations(table, SECOND)) == [ANNA]
    assert sorted(registrations(table, LETTER)) == [ANNA, BRAM, CEES]
    assert client.get(link(ANNA)).status_code == 200
    assert deliverers.sweep() == {}


def _outbox(config):
    return messages(config["MAIL_OUTBOX"])
