"""One registration per inbox, and the mailbox limit that can never silence a person's own mail (dynalite).

Whose mail is "the person's own": everything about the registration their inbox holds. Unsolicited emails (what
anyone can cause by posting the form: the confirmation, the personal link again) are limited to five an hour per
inbox, and what is over the limit waits for the next hour. Mail that follows from the registration itself (a change
or cancellation through the personal link, the follow-up) is never held back.
"""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from boto3.dynamodb.conditions import Key

from registrations import create_app, create_deliverer
from registrations.registration.inboxes import mailbox
from tests.conftest import own_page_client
from tests.mailbox import messages, personal_path_of

from .staff_support import run_cli

EVENT_ID = "ibp-vth-2023-06-07"


def registrations(table):
    return table.query(KeyConditionExpression=Key("event").eq(EVENT_ID), ConsistentRead=True)["Items"]


def recipients(app_config):
    return [m["To"].addresses[0].addr_spec for m in messages(app_config["MAIL_OUTBOX"])]


def test_gmail_dots_googlemail_and_tags_are_one_mailbox_but_a_hyphen_is_not():
    assert mailbox("J.An.Jansen+vng@GoogleMail.com") == mailbox("janjansen@gmail.com") == "janjansen@gmail.com"
    assert mailbox("j.jansen+x@gemeente.nl") == "j.jansen@gemeente.nl"  # dots count outside Gmail
    assert mailbox("jan-willem@gemeente.nl") != mailbox("janwillem@gemeente.nl")


def test_variants_of_a_registered_inbox_are_repeats_that_owe_the_link_to_the_stored_address(
    app_config, clock, table, valid_form
):
    client = own_page_client(create_app(app_config, clock=clock))
    assert client.post("/api/registrations", json={**valid_form, "email": "j.an.jansen@gmail.com"}).status_code == 201
    for variant in ("janjansen@gmail.com", "J.A.N.Jansen+vng@googlemail.com", "jan.jansen+1@gmail.com"):
        answer = client.post("/api/registrations", json={**valid_form, "email": variant})
        assert answer.status_code == 409, variant
        assert answer.get_json()["error"]["code"] == "already_registered"
    [item] = registrations(table)
    assert item["email"] == "j.an.jansen@gmail.com" and item["mail_owed"] == "link"
    # A hyphen makes another person's address: that one registers on its own
    assert client.post("/api/registrations", json={**valid_form, "email": "jan-jansen@gmail.com"}).status_code == 201
    assert len(registrations(table)) == 2


def test_280_dot_variants_put_at_most_five_emails_an_hour_into_one_inbox(app_config, clock, table, valid_form):
    client = own_page_client(create_app(app_config, clock=clock))
    deliverer = create_deliverer(app_config, clock=clock)
    local = "abcdefghij"
    variants = []
    for mask in range(280):
        # Every dot pattern between the ten letters is another address to a person, the same inbox to Gmail
        name = "".join(ch + ("." if mask >> i & 1 and i < 9 else "") for i, ch in enumerate(local))
        variants.append(f"{name}@{'googlemail.com' if mask % 2 else 'gmail.com'}")
    assert len(set(variants)) == 280
    statuses = []
    for n, variant in enumerate(variants):
        statuses.append(client.post("/api/registrations", json={**valid_form, "email": variant}).status_code)
        if n % 10 == 0:
            deliverer.sweep()  # the deliverer keeps up, as the stream does
    deliverer.sweep()
    assert statuses == [201] + [409] * 279
    assert len(messages(app_config["MAIL_OUTBOX"])) == 5
    [item] = registrations(table)
    # The rest is deferred on purpose, not lost: one link is still owed, and waits for the next hour
    assert item["mail_owed"] == "link" and item["mail_status"] == "held_back"
    assert item["mail_retry_at"] == "2023-05-10T11:00:00+02:00"
    code, stdout, _ = run_cli(["summary"], {**_staff_env(app_config)})
    text = stdout.decode()
    assert "wordt vanzelf later verstuurd: 1" in text
    assert "Tegengehouden e-mails worden verstuurd vanaf 2023-05-10 11:00" in text
    clock.advance(hours=1)
    deliverer.sweep()
    assert len(messages(app_config["MAIL_OUTBOX"])) == 6
    assert "mail_owed" not in registrations(table)[0]


def test_five_variant_posts_cannot_silence_the_victim(app_config, clock, table, valid_form):
    client = own_page_client(create_app(app_config, clock=clock))
    deliverer = create_deliverer(app_config, clock=clock)
    for n in range(5):
        client.post("/api/registrations", json={**valid_form, "email": f"victim+a{n}@gemeente.example"})
        deliverer.sweep()
    assert len(messages(app_config["MAIL_OUTBOX"])) == 5
    # The victim registers their own address: it is the same inbox, so a repeat; the link is owed to that inbox
    assert client.post("/api/registrations", json={**valid_form, "email": "victim@gemeente.example"}).status_code == 409
    deliverer.sweep()
    assert len(messages(app_config["MAIL_OUTBOX"])) == 5
    # The outbox names files by the wall clock's second, so what is new is told by file, not by order
    before = set(Path(app_config["MAIL_OUTBOX"]).glob("*.eml"))
    # Within about an hour (at the next hour) the inbox gets the personal link, with which the victim can cancel
    # and register again
    clock.advance(hours=1)
    deliverer.sweep()
    [new] = set(Path(app_config["MAIL_OUTBOX"]).glob("*.eml")) - before
    last = email.message_from_bytes(new.read_bytes(), policy=email.policy.default)
    assert last["Subject"].startswith("Uw persoonlijke link")
    assert mailbox(last["To"].addresses[0].addr_spec) == "victim@gemeente.example"
    link = personal_path_of(last)
    assert client.post(f"{link}/annuleren").status_code == 303
    assert client.post("/api/registrations", json={**valid_form, "email": "victim@gemeente.example"}).status_code == 201


def test_mail_the_person_causes_with_their_link_is_never_held_back(app_config, clock, table, valid_form):
    client = own_page_client(create_app(app_config, clock=clock))
    deliverer = create_deliverer(app_config, clock=clock)
    client.post("/api/registrations", json=valid_form)
    deliverer.sweep()
    link = personal_path_of(messages(app_config["MAIL_OUTBOX"])[0])
    for _ in range(6):  # repeats use up the hour
        client.post("/api/registrations", json=valid_form)
        deliverer.sweep()
    assert len(messages(app_config["MAIL_OUTBOX"])) == 5
    form = {k: v for k, v in valid_form.items() if k not in ("email", "consent")}
    assert client.post(link, data={**form, "remark": "Later"}).status_code == 303
    assert deliverer.sweep()["sent"] == 1
    assert client.post(f"{link}/annuleren").status_code == 303
    assert deliverer.sweep()["sent"] == 1
    subjects = [m["Subject"].split(" voor de ")[0] for m in messages(app_config["MAIL_OUTBOX"])]
    assert {"Wijziging opgeslagen", "Afmelding bevestigd"} <= set(subjects)


def _staff_env(app_config):
    return {
        "REGISTRATIONS_TABLE": app_config["REGISTRATIONS_TABLE"],
        "AWS_REGION": app_config["AWS_REGION"],
        "DYNAMODB_ENDPOINT": app_config["DYNAMODB_ENDPOINT"],
        "MAIL_OUTBOX": app_config["MAIL_OUTBOX"],
        "TOKEN_SECRET": app_config["TOKEN_SECRET"],
        "PREVIEW_NOW": app_config["PREVIEW_NOW"],
    }
