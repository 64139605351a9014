"""Our Lambda handler with real-shaped events: stream records (INSERT, MODIFY, REMOVE), the sweep, SES events and
everything else; and the stream filter of infra/template.yaml against the images our own writes make (dynalite)."""

from __future__ import annotations

from typing import Any

import pytest
from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from registrations import create_app, create_deliverer
from registrations.lambda_handler import STREAM_FILTER, SWEEP_EVENT, Dispatcher
from tests.conftest import own_page_client
from tests.doubles import RecordingSender
from tests.mailbox import messages, personal_path_of

EVENT_ID = "ibp-vth-2023-06-07"
EMAIL = "j.vanthoff@gemeente.example"
STREAM_ARN = (
    "arn:aws:dynamodb:eu-central-1:123456789012:table/vng-registrations-production/stream/2023-05-01T00:00:00.000"
)


def image(item: dict[str, Any]) -> dict[str, Any]:
    serializer = TypeSerializer()
    return {name: serializer.serialize(value) for name, value in item.items()}


def record(name: str, new: dict | None = None, old: dict | None = None, sequence: str = "100") -> dict[str, Any]:
    """A DynamoDB stream record as Lambda delivers it (NEW_AND_OLD_IMAGES)."""
    key = new or old or {}
    data: dict[str, Any] = {
        "ApproximateCreationDateTime": 1683705600.0,
        "Keys": {"event": {"S": key["event"]}, "email": {"S": key["email"]}},
        "SequenceNumber": sequence,
        "SizeBytes": 512,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if new is not None:
        data["NewImage"] = image(new)
    if old is not None:
        data["OldImage"] = image(old)
    return {
        "eventID": f"id-{sequence}",
        "eventName": name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "eu-central-1",
        "dynamodb": data,
        "eventSourceARN": STREAM_ARN,
    }


def matches(pattern: Any, value: Any, present: bool = True) -> bool:
    """Lambda's event filtering for the rules STREAM_FILTER uses: nested keys, lists of values, exists."""
    if isinstance(pattern, dict):
        fields = value if isinstance(value, dict) else {}  # a missing object: every field below it is missing
        return all(matches(sub, fields.get(key), key in fields) for key, sub in pattern.items())
    for rule in pattern:
        if isinstance(rule, dict) and "exists" in rule:
            if rule["exists"] == present:
                return True
        elif present and value == rule:
            return True
    return False


class Context:
    def get_remaining_time_in_millis(self) -> int:
        return 60_000


@pytest.fixture
def sender(app_config):
    return RecordingSender(app_config["MAIL_OUTBOX"])


@pytest.fixture
def handed_to_zappa():
    return []


@pytest.fixture
def dispatch(app_config, clock, sender, handed_to_zappa):
    deliverer = create_deliverer(app_config, clock=clock, transport=sender)
    return Dispatcher(lambda: deliverer, lambda event, context: handed_to_zappa.append(event) or {"zappa": True})


def item_of(table):
    return table.get_item(Key={"event": EVENT_ID, "email": EMAIL}, ConsistentRead=True)["Item"]


def test_an_insert_record_delivers_the_confirmation_once(client, table, valid_form, dispatch, sender):
    client.post("/api/registrations", json=valid_form)
    insert = record("INSERT", new=item_of(table))
    assert matches(STREAM_FILTER, insert)
    assert dispatch({"Records": [insert]}, Context()) == {"batchItemFailures": []}
    # The same record again (Lambda delivers at least once) sends nothing more
    assert dispatch({"Records": [insert, insert]}, Context()) == {"batchItemFailures": []}
    assert [recipient for recipient, _ in sender.sent] == [EMAIL]


def test_modify_records_of_requests_wake_it_and_the_deliverers_own_writes_do_not(
    client, table, valid_form, dispatch, app_config, sender
):
    client.post("/api/registrations", json=valid_form)
    inserted = item_of(table)
    dispatch({"Records": [record("INSERT", new=inserted)]}, Context())
    sent = item_of(table)
    # The deliverer's own write (the outcome) is filtered out
    assert not matches(STREAM_FILTER, record("MODIFY", new=sent, old=inserted))
    assert not matches(
        STREAM_FILTER,
        record(
            "MODIFY",
            new={**inserted, "mail_status": "claimed", "mail_claim_for": inserted["mail_owed_id"]},
            old=inserted,
        ),
    )
    assert not matches(STREAM_FILTER, record("MODIFY", new={**inserted, "mail_status": "retrying"}, old=inserted))
    # So is a mailbox counter
    [counter] = table.query(
        KeyConditionExpression="#e = :p",
        ExpressionAttributeNames={"#e": "event"},
        ExpressionAttributeValues={":p": "mail-limits"},
    )["Items"]
    assert not matches(STREAM_FILTER, record("MODIFY", new=counter))
    # A request's write (the person changes their details) passes, and is delivered
    link = personal_path_of(messages(app_config["MAIL_OUTBOX"])[0])
    client.post(
        link, data={"given_name": "Jan", "family_name": "Hoff", "organisation": "dcmr", "role": "algemeen-bestuur"}
    )
    changed = item_of(table)
    modify = record("MODIFY", new=changed, old=sent, sequence="200")
    assert matches(STREAM_FILTER, modify)
    assert dispatch({"Records": [modify]}, Context()) == {"batchItemFailures": []}
    assert len(sender.sent) == 2


def test_a_remove_record_is_filtered_and_ignored(table, client, valid_form, dispatch, sender):
    client.post("/api/registrations", json=valid_form)
    remove = record("REMOVE", old=item_of(table))
    assert not matches(STREAM_FILTER, remove)
    assert dispatch({"Records": [remove]}, Context()) == {"batchItemFailures": []}
    assert sender.sent == []


def test_a_record_that_cannot_be_handled_is_reported_for_a_retry(app_config, clock, table, valid_form, sender):
    own_page_client(create_app(app_config, clock=clock)).post("/api/registrations", json=valid_form)

    class Throttled:
        def __getattr__(self, name):
            return getattr(table, name)

        def get_item(self, **request):
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "GetItem")

    deliverer = create_deliverer(app_config, clock=clock, table=Throttled(), transport=sender)
    dispatch = Dispatcher(lambda: deliverer, lambda event, context: None)
    answer = dispatch({"Records": [record("INSERT", new=item_of(table), sequence="42")]}, Context())
    assert answer == {"batchItemFailures": [{"itemIdentifier": "42"}]}
    assert sender.sent == []


def test_a_whole_batch_that_fails_is_answered_never_raised_and_a_short_deadline_defers_records(
    app_config, clock, table, valid_form, sender
):
    # A database stall fails every record: the answer names each one (Lambda retries from the first), and the
    # function does not raise, so a stall is no function error (Powertools' batch processor raises by default here).
    client = own_page_client(create_app(app_config, clock=clock))
    client.post("/api/registrations", json=valid_form)
    client.post("/api/registrations", json={**valid_form, "email": "tweede@gemeente.example"})
    images = [i for i in table.scan()["Items"] if i["event"] == EVENT_ID]  # the registrations, not the inbox records

    class Stalled:
        def __getattr__(self, name):
            return getattr(table, name)

        def get_item(self, **request):
            raise ClientError({"Error": {"Code": "RequestLimitExceeded", "Message": "stalled"}}, "GetItem")

    batch = {"Records": [record("INSERT", new=item, sequence=str(n)) for n, item in enumerate(images, 1)]}
    stalled = create_deliverer(app_config, clock=clock, table=Stalled(), transport=sender)
    answer = Dispatcher(lambda: stalled, lambda event, context: None)(batch, Context())
    assert answer == {"batchItemFailures": [{"itemIdentifier": "1"}, {"itemIdentifier": "2"}]}

    # With less time left than a send may take, no record is tried: each is reported for the retry
    class AlmostOut(Context):
        def get_remaining_time_in_millis(self) -> int:
            return 5_000

    deliverer = create_deliverer(app_config, clock=clock, transport=sender)
    answer = Dispatcher(lambda: deliverer, lambda event, context: None)(batch, AlmostOut())
    assert answer == {"batchItemFailures": [{"itemIdentifier": "1"}, {"itemIdentifier": "2"}]}
    assert sender.sent == []


def test_the_sweep_event_runs_the_sweep(client, valid_form, dispatch, sender, handed_to_zappa):
    client.post("/api/registrations", json=valid_form)
    assert dispatch(dict(SWEEP_EVENT), Context()) == {"swept": {"sent": 1}}
    assert dispatch(dict(SWEEP_EVENT), Context()) == {"swept": {}}
    assert len(sender.sent) == 1 and handed_to_zappa == []


def test_ses_events_go_to_the_recorder_and_everything_else_to_zappa(dispatch, handed_to_zappa):
    # An SES event that is not ours (no tags at all) is looked at and ignored; the recorder has its own tests
    ses = {"version": "0", "source": "aws.ses", "detail-type": "Email Delivered", "detail": {}}
    assert dispatch(ses, Context()) == {"ses": "ignored"}
    others = [
        {"httpMethod": "GET", "path": "/api/health", "headers": {}},
        # Zappa's own scheduled events, and other EventBridge events, whatever their rule's ARN
        {
            "source": "aws.events",
            "detail-type": "Scheduled Event",
            "resources": ["arn:aws:events:eu-central-1:123456789012:rule/anything"],
        },
        {"Records": [{"eventSource": "aws:sqs", "body": "{}"}]},
        {"registrations": "sweep", "and": "more"},
    ]
    for event in others:
        assert dispatch(event, Context()) == {"zappa": True}
    assert handed_to_zappa == others


def test_the_spreadsheet_is_refreshed_after_a_stream_batch_and_on_the_sweep_only(app_config, clock, sender):
    deliverer = create_deliverer(app_config, clock=clock, transport=sender)
    refreshed = []
    dispatch = Dispatcher(lambda: deliverer, lambda event, context: {"zappa": True}, refreshed.append)
    dispatch({"Records": [record("REMOVE", old={"event": EVENT_ID, "email": EMAIL})]}, Context())
    dispatch({"registrations": "sweep"}, Context())
    assert refreshed == [deliverer, deliverer]
    # Not for a web request, nor for an SES event
    dispatch({"httpMethod": "GET", "path": "/api/health", "headers": {}}, Context())
    dispatch({"source": "aws.ses", "detail-type": "Email Delivered", "detail": {}}, Context())
    assert len(refreshed) == 2
