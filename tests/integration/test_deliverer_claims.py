"""No claim without a send, one bad item never stops a round, and a SEQUENCE that always rises (dynalite)."""

from __future__ import annotations

import json
import urllib.request

import icalendar
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ReadTimeoutError

from registrations import create_app, create_deliverer
from registrations.errors import StoreUnavailable
from registrations.lambda_handler import SWEEP_EVENT, Dispatcher
from registrations.repository import dynamodb_resource
from tests.conftest import own_page_client
from tests.doubles import RecordingSender, SendsThenDies
from tests.mailbox import messages, personal_path_of

EVENT_ID = "ibp-vth-2023-06-07"
EMAIL = "j.vanthoff@gemeente.example"


def item_of(table, email=EMAIL):
    return table.get_item(Key={"event": EVENT_ID, "email": email}, ConsistentRead=True)["Item"]


class ClaimStoredThenTimedOut:
    """A botocore hook: the first claim (an UpdateItem that sets mail_claim_for) reaches the store, but its answer
    is lost as a read timeout, so botocore retries it and the retry fails the claim's condition."""

    def __init__(self):
        self.claims = 0

    def __call__(self, request, **_):
        body = json.loads(request.body)
        if "#claim_for = :owed" not in body.get("UpdateExpression", ""):
            return None
        self.claims += 1
        if self.claims > 1:
            return None
        forwarded = urllib.request.Request(
            request.url, data=request.body, headers=dict(request.headers), method=request.method
        )
        with urllib.request.urlopen(forwarded, timeout=5) as answer:  # noqa: S310 - the local dynalite
            assert answer.status == 200
        raise ReadTimeoutError(endpoint_url=request.url)


def test_a_claim_stored_but_answered_with_a_timeout_is_still_ours_and_sends_once(app_config, clock, valid_form):
    own_page_client(create_app(app_config, clock=clock)).post("/api/registrations", json=valid_form)
    resource = dynamodb_resource(app_config["AWS_REGION"], app_config["DYNAMODB_ENDPOINT"])
    hook = ClaimStoredThenTimedOut()
    resource.meta.client.meta.events.register("before-send.dynamodb.UpdateItem", hook)
    table = resource.Table(app_config["REGISTRATIONS_TABLE"])
    sender = RecordingSender(app_config["MAIL_OUTBOX"])
    assert create_deliverer(app_config, clock=clock, table=table, transport=sender).sweep() == {"sent": 1}
    assert hook.claims == 2  # the retry really met the stored claim
    assert [recipient for recipient, _ in sender.sent] == [EMAIL]
    item = item_of(table)
    assert item["mail_status"] == "sent" and "mail_claim_for" not in item and "mail_owed" not in item


class FailsAfterTheClaim:
    """A table whose writes stop answering once a claim has been stored: the store stalls mid-send."""

    def __init__(self, table):
        self.table = table
        self.claimed = False

    def __getattr__(self, name):
        return getattr(self.table, name)

    def update_item(self, **request):
        if self.claimed:
            raise StoreUnavailable()
        answer = self.table.update_item(**request)
        self.claimed = "#claim_for = :owed" in request.get("UpdateExpression", "")
        return answer


def test_a_store_that_stalls_after_the_claim_leaves_the_email_owed_not_unknown(app_config, clock, table, valid_form):
    own_page_client(create_app(app_config, clock=clock)).post("/api/registrations", json=valid_form)
    sender = RecordingSender(app_config["MAIL_OUTBOX"])
    stalling = create_deliverer(app_config, clock=clock, table=FailsAfterTheClaim(table), transport=sender)
    try:
        stalling.sweep()
    except StoreUnavailable:
        pass
    assert sender.sent == []
    stranded = item_of(table)
    assert stranded["mail_claim_for"] and "mail_sending_at" not in stranded
    # Once the stall is over and the claim is stale, the email is owed again, and sent once
    deliverer = create_deliverer(app_config, clock=clock, transport=sender)
    assert deliverer.sweep() == {}
    clock.advance(minutes=11)
    assert deliverer.sweep() == {"released": 1, "sent": 1}
    assert deliverer.sweep() == {}
    assert [recipient for recipient, _ in sender.sent] == [EMAIL]
    assert item_of(table)["mail_status"] == "sent"


def test_a_send_that_began_and_was_cut_off_is_unknown_and_never_sent_again(app_config, clock, table, valid_form):
    own_page_client(create_app(app_config, clock=clock)).post("/api/registrations", json=valid_form)
    dying = SendsThenDies(app_config["MAIL_OUTBOX"])
    try:
        create_deliverer(app_config, clock=clock, transport=dying).sweep()
    except SystemExit:
        pass
    assert item_of(table)["mail_sending_at"]
    clock.advance(minutes=11)
    sender = RecordingSender(app_config["MAIL_OUTBOX"])
    assert create_deliverer(app_config, clock=clock, transport=sender).sweep() == {"unknown": 1}
    assert sender.sent == [] and item_of(table)["mail_status"] == "unknown"


def poisoned(valid_item):
    """A registration the confirmation template cannot be made from (its organisation and role are missing)."""
    item = {k: v for k, v in valid_item.items() if k not in ("organisation", "role")}
    return {**item, "email": "kapot@gemeente.example", "registration_id": "kapotkapotkapot1"}


def test_one_poisoned_item_among_many_is_failed_with_its_reason_and_the_sweep_goes_on(
    app_config, clock, table, valid_form, caplog
):
    client = own_page_client(create_app(app_config, clock=clock))
    for n in range(3):
        client.post("/api/registrations", json={**valid_form, "email": f"a{n}@gemeente.example"})
    table.put_item(Item=poisoned(item_of(table, "a0@gemeente.example")))
    for n in range(3, 6):
        client.post("/api/registrations", json={**valid_form, "email": f"a{n}@gemeente.example"})
    sender = RecordingSender(app_config["MAIL_OUTBOX"])
    assert create_deliverer(app_config, clock=clock, transport=sender).sweep() == {"sent": 6, "failed": 1}
    bad = item_of(table, "kapot@gemeente.example")
    assert bad["mail_status"] == "failed" and bad["mail_failure"] == "UndefinedError"
    assert "mail_claim_for" not in bad and "mail_owed" not in bad
    assert "kapot" not in caplog.text


def test_the_aws_path_goes_on_past_a_poisoned_item_too(app_config, clock, table, valid_form):
    client = own_page_client(create_app(app_config, clock=clock))
    client.post("/api/registrations", json=valid_form)
    table.put_item(Item=poisoned(item_of(table)))
    client.post("/api/registrations", json={**valid_form, "email": "b@gemeente.example"})
    sender = RecordingSender(app_config["MAIL_OUTBOX"])
    deliverer = create_deliverer(app_config, clock=clock, transport=sender)
    dispatch = Dispatcher(lambda: deliverer, lambda event, context: None)
    assert dispatch(dict(SWEEP_EVENT), None) == {"swept": {"sent": 2, "failed": 1}}
    assert sorted(r for r, _ in sender.sent) == ["b@gemeente.example", EMAIL]


def sequences_of(message):
    found = []
    for part in message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            [vevent] = icalendar.Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
            found.append((str(vevent["UID"]), int(vevent["SEQUENCE"]), message["Subject"].split(" voor ")[0]))
    return found


def sequences(app_config):
    return [entry for message in messages(app_config["MAIL_OUTBOX"]) for entry in sequences_of(message)]


def test_every_calendar_entry_an_inbox_gets_has_a_higher_sequence_under_a_frozen_clock(
    app_config, clock, table, valid_form
):
    client = own_page_client(create_app(app_config, clock=clock))
    deliverer = create_deliverer(app_config, clock=clock)
    form = {k: v for k, v in valid_form.items() if k not in ("email", "consent")}
    client.post("/api/registrations", json=valid_form)
    deliverer.sweep()
    link = personal_path_of(messages(app_config["MAIL_OUTBOX"])[-1])
    # Two changes within one second (the clock does not move at all), a cancellation, and a new registration
    client.post(link, data={**form, "remark": "Een"})
    deliverer.sweep()
    client.post(link, data={**form, "remark": "Twee"})
    deliverer.sweep()
    client.post(f"{link}/annuleren")
    deliverer.sweep()
    client.post("/api/registrations", json=valid_form)
    deliverer.sweep()
    # And a variant address of the same inbox, after cancelling again (with the newest confirmation's link)
    newest = max(
        (m for m in messages(app_config["MAIL_OUTBOX"]) if m["Subject"].startswith("Aanmelding")),
        key=lambda m: [s for _, s, _ in sequences_of(m)],
    )
    link = personal_path_of(newest)
    client.post(f"{link}/annuleren")
    deliverer.sweep()
    client.post("/api/registrations", json={**valid_form, "email": "J.vanthoff+vng@gemeente.example"})
    deliverer.sweep()
    # The outbox names files by the wall clock's second, so its order says nothing: order by SEQUENCE instead,
    # which must give the order in which things happened, with no number twice
    found = sorted(sequences(app_config), key=lambda entry: entry[1])
    assert [subject for _, _, subject in found] == [
        "Aanmelding bevestigd",
        "Wijziging opgeslagen",
        "Wijziging opgeslagen",
        "Afmelding bevestigd",
        "Aanmelding bevestigd",
        "Afmelding bevestigd",
        "Aanmelding bevestigd",
    ]
    assert len({uid for uid, _, _ in found}) == 1
    numbers = [sequence for _, sequence, _ in found]
    assert len(set(numbers)) == len(numbers), numbers
    assert table.query(KeyConditionExpression=Key("event").eq("mailboxes"))["Count"] == 1
