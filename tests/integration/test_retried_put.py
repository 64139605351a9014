"""A put that was stored but answered with a timeout is retried by botocore; the retry meets its own item (dynalite).

Found by pausing dynalite under load: the person was told "al aangemeld", and no email went out.
"""

from __future__ import annotations

import urllib.request

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ReadTimeoutError

from registrations import create_app, create_deliverer
from registrations.repository import dynamodb_resource
from tests.conftest import own_page_client
from tests.mailbox import messages


class StoredThenTimedOut:
    """A botocore hook: the first PutItem reaches the store, but its answer is lost as a read timeout."""

    def __init__(self):
        self.put_attempts = 0

    def __call__(self, request, **_):
        self.put_attempts += 1
        if self.put_attempts > 1:
            return None  # botocore's retry goes out as usual
        forwarded = urllib.request.Request(
            request.url, data=request.body, headers=dict(request.headers), method=request.method
        )
        with urllib.request.urlopen(forwarded, timeout=5) as answer:  # noqa: S310 - the local dynalite
            assert answer.status == 200
        raise ReadTimeoutError(endpoint_url=request.url)


def test_a_retried_put_that_meets_its_own_item_is_a_new_registration(app_config, clock, valid_form):
    # Given a table client whose first put is stored but answered with a timeout (botocore then retries it)
    resource = dynamodb_resource(app_config["AWS_REGION"], app_config["DYNAMODB_ENDPOINT"])
    hook = StoredThenTimedOut()
    resource.meta.client.meta.events.register("before-send.dynamodb.PutItem", hook)
    table = resource.Table(app_config["REGISTRATIONS_TABLE"])
    client = own_page_client(create_app(app_config, clock=clock, table=table))

    # When an invitee registers
    response = client.post("/api/registrations", json=valid_form)

    # Then the retry really met the stored item, and still the person is told it worked
    assert hook.put_attempts == 2
    assert response.status_code == 201, response.get_json()
    # And there is one registration, owing its confirmation, which goes out once
    items = table.query(KeyConditionExpression=Key("event").eq("ibp-vth-2023-06-07"))["Items"]
    assert [item["email"] for item in items] == ["j.vanthoff@gemeente.example"]
    assert items[0]["mail_owed"] == "confirmation"
    create_deliverer(app_config, clock=clock).sweep()
    assert len(messages(app_config["MAIL_OUTBOX"])) == 1


def test_another_submission_of_the_same_address_is_still_a_duplicate(client, valid_form):
    # The submission id tells our own retry apart; a second submission has its own id and gets 409.
    assert client.post("/api/registrations", json=valid_form).status_code == 201
    assert client.post("/api/registrations", json=valid_form).status_code == 409
