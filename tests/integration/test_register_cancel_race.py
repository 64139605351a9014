"""A registration racing a cancellation of the same address (repository.add): it ends as 201 or 409, never 503 while
the store answers (dynalite).

Found by racing the two under load: the put's condition failed (the address was registered), then the duplicate
update's failed too (it had just been cancelled), and the request answered 503 although the store was fine.
"""

from __future__ import annotations

from collections import Counter

import pytest
from botocore.exceptions import ClientError

from registrations import create_app
from registrations.errors import StoreUnavailable
from registrations.meeting import load_meeting
from registrations.registration.personal_link import PersonalLinks
from registrations.repository import ADD_ROUNDS, RegistrationRepository
from tests.concurrency import at_the_same_moment
from tests.conftest import own_page_client

EVENT_ID = load_meeting().id
EMAIL = "j.vanthoff@gemeente.example"
KEY = {"event": EVENT_ID, "email": EMAIL}


def item_of(table):
    return table.get_item(Key=KEY, ConsistentRead=True)["Item"]


def personal_path(app_config, item) -> str:
    token = PersonalLinks(app_config["TOKEN_SECRET"], load_meeting()).token_for(
        item["registration_id"], int(item["link_version"])
    )
    return f"/api/mijn-aanmelding/{token}"


class CancelledBeforeTheUpdate:
    """The real table, except that the person cancels on the personal page just after a registration's put has met
    the active registration, and before its duplicate update: the worst moment for repository.add."""

    def __init__(self, table, cancel):
        self.table, self.cancel, self.cancels = table, cancel, 0

    def __getattr__(self, name):
        return getattr(self.table, name)

    def update_item(self, **request):
        if ":sid" in request.get("ExpressionAttributeValues", {}) and self.cancels == 0:
            self.cancels += 1
            assert self.cancel().status_code == 303
        return self.table.update_item(**request)


def test_a_cancellation_between_the_failed_put_and_the_update_ends_in_a_new_registration(
    app_config, clock, table, valid_form
):
    plain = own_page_client(create_app(app_config, clock=clock))
    assert plain.post("/api/registrations", json=valid_form).status_code == 201
    first = item_of(table)
    path = personal_path(app_config, first)
    racing = CancelledBeforeTheUpdate(table, lambda: plain.post(path + "/annuleren"))
    client = own_page_client(create_app(app_config, clock=clock, table=racing))

    response = client.post("/api/registrations", json={**valid_form, "given_name": "Opnieuw"})

    # The cancellation really came between the two writes, and the registration after it is a new one
    assert racing.cancels == 1
    assert response.status_code == 201, response.get_json()
    item = item_of(table)
    assert item["status"] == "registered" and item["given_name"] == "Opnieuw"
    assert item["registration_id"] != first["registration_id"]
    assert item["mail_owed"] == "confirmation"


def test_registrations_racing_cancellations_of_the_same_address_get_201_or_409_never_503(
    app_config, clock, table, valid_form
):
    app = create_app(app_config, clock=clock)
    rounds, statuses = 20, Counter()
    for n in range(rounds):
        client = own_page_client(app)
        if item_of_or_none(table) is None or item_of(table)["status"] == "cancelled":
            assert client.post("/api/registrations", json=valid_form).status_code == 201
        path = personal_path(app_config, item_of(table))
        form = {**valid_form, "remark": f"ronde {n}"}

        def race(i: int, path=path, form=form):
            racer = own_page_client(app)
            if i == 0:
                return "cancel", racer.post(path + "/annuleren").status_code
            return "register", racer.post("/api/registrations", json=form).status_code

        for kind, status in at_the_same_moment(2, race):
            statuses[kind, status] += 1
    registrations = {status: count for (kind, status), count in statuses.items() if kind == "register"}
    assert set(registrations) <= {201, 409}, statuses
    assert sum(registrations.values()) == rounds
    # Every cancellation went through: each race really had a registration to cancel
    assert statuses["cancel", 303] == rounds, statuses


def item_of_or_none(table):
    return table.get_item(Key=KEY, ConsistentRead=True).get("Item")


class NeverSettles:
    """A table whose item changes between every two calls: each put meets an active registration, each update
    finds it cancelled, each read finds it registered again by someone else. No real race goes on like this."""

    def __init__(self):
        self.calls = []

    def _condition_failed(self, operation):
        return ClientError({"Error": {"Code": "ConditionalCheckFailedException", "Message": "no"}}, operation)

    def put_item(self, **request):
        self.calls.append("put_item")
        raise self._condition_failed("PutItem")

    def update_item(self, **request):
        self.calls.append("update_item")
        raise self._condition_failed("UpdateItem")

    def get_item(self, **request):
        self.calls.append("get_item")
        return {"Item": {**request["Key"], "status": "registered", "submission_id": "someone-else"}}


def test_the_rounds_of_re_reading_are_bounded():
    table = NeverSettles()
    item = {**KEY, "submission_id": "mine", "registration_id": "r", "link_version": 1}
    with pytest.raises(StoreUnavailable):
        RegistrationRepository(table).add(item, on_duplicate={"mail_owed": "link"})
    assert table.calls == ["put_item", "update_item", "get_item"] * ADD_ROUNDS
