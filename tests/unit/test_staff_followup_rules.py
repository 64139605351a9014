"""The follow-up mailing's rules without storage: content checks, the plan, the rate limit, the run's decisions."""

from __future__ import annotations

import datetime as dt

import pytest

from registrations.event import load_event
from registrations.exceptions import StoreUnavailable
from registrations.followup import CLAIM, CLAIMED_AT, SENT_AT, FollowupMailing, build_message, make_plan
from registrations.followup_content import FollowupContent, FollowupContentError
from registrations.mail.rate import RateLimiter
from registrations.mail.senders import MailNotSent

EVENT = load_event()
NOW = dt.datetime(2023, 6, 1, 9, 0, tzinfo=dt.UTC)
CONTENT = FollowupContent.build("https://teams.microsoft.com/l/meetup-join/x", [("Agenda", "https://vng.example/a")])


def person(n: int, **extra) -> dict:
    return {
        "email": f"p{n}@x.example",
        "given_name": "P",
        "family_name": str(n),
        "status": "registered",
        "registered_at": f"2023-05-1{n % 10}T10:00:00+02:00",
        **extra,
    }


def test_the_plan_splits_by_what_to_do():
    plan = make_plan(
        [
            person(3),
            person(1),
            person(2, **{SENT_AT: "2023-06-01T10:00:00+02:00"}),
            person(4, **{CLAIM: "abc", CLAIMED_AT: "2023-06-01T10:00:00+02:00"}),
            person(5, status="cancelled"),
        ]
    )
    assert [i["email"] for i in plan.to_send] == ["p1@x.example", "p3@x.example"]
    assert [i["email"] for i in plan.already_sent] == ["p2@x.example"]
    assert [i["email"] for i in plan.unconfirmed] == ["p4@x.example"]
    assert [i["email"] for i in plan.cancelled] == ["p5@x.example"]


def test_the_rate_limit_spaces_sends_without_sleeping_more_than_needed():
    clock = {"t": 100.0}
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        clock["t"] += seconds

    limiter = RateLimiter(2.0, monotonic=lambda: clock["t"], sleep=sleep)
    for _ in range(5):
        limiter.wait()
    assert slept == [0.5, 0.5, 0.5, 0.5]
    clock["t"] += 10  # a slow send uses up the wait
    limiter.wait()
    assert len(slept) == 4


def test_toml_content_file(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        'teams_link = "https://teams.example/l/1"\n[[papers]]\ntitle = "Agenda"\nurl = "https://a.example/x"\n'
        '[[papers]]\ntitle = "Notitie"\nurl = "https://a.example/y"\n',
        encoding="utf-8",
    )
    content = FollowupContent.from_file(path)
    assert content.teams_link == "https://teams.example/l/1"
    assert [p.title for p in content.papers] == ["Agenda", "Notitie"]
    path.write_text("teams_link = ", encoding="utf-8")
    with pytest.raises(FollowupContentError, match="geen geldig TOML-bestand"):
        FollowupContent.from_file(path)


def test_a_message_that_cannot_be_made_is_refused_before_any_claim():
    with pytest.raises(ValueError):
        build_message(EVENT, person(1, email="geen adres\r\nBcc: x@y"), CONTENT, "VNG <a@vng.example>", NOW)


class FakeRepository:
    def __init__(self, confirm_fails: bool = False):
        self.calls = []
        self.confirm_fails = confirm_fails

    def claim_followup(self, event_id, email, claim, claimed_at, replacing=None):
        self.calls.append(("claim", email))
        return True

    def confirm_followup(self, event_id, email, claim, sent_at, message_id="", teams_link=""):
        self.calls.append(("confirm", email))
        if self.confirm_fails:
            raise StoreUnavailable()
        return True

    def release_followup(self, event_id, email, claim):
        self.calls.append(("release", email))
        return True


class Sender:
    def __init__(self, refuse=False):
        self.sent, self.refuse = [], refuse

    def send(self, message, recipient, tags=None):
        if self.refuse:
            raise MailNotSent("Throttling")
        self.sent.append(recipient)
        return f"id-{len(self.sent)}"


def mailing(repository, sender, stop=lambda: False):
    return FollowupMailing(
        EVENT,
        repository,
        sender,
        CONTENT,
        "VNG <a@vng.example>",
        lambda: NOW,
        RateLimiter(1000, sleep=lambda s: None),
        stop_requested=stop,
    )


def test_a_store_failure_after_sending_keeps_the_claim_and_stops():
    repository, sender = FakeRepository(confirm_fails=True), Sender()
    outcome = mailing(repository, sender).run(make_plan([person(1), person(2)]))
    assert sender.sent == ["p1@x.example"]
    assert outcome.unrecorded == ["p1@x.example"] and outcome.stopped_early
    assert ("release", "p1@x.example") not in repository.calls


def test_repeated_refusals_stop_the_run():
    repository = FakeRepository()
    outcome = mailing(repository, Sender(refuse=True)).run(make_plan([person(n) for n in range(8)]))
    assert len(outcome.failed) == 5 and "5 keer achter elkaar mislukt" in outcome.stopped_early
    assert [c for c in repository.calls if c[0] == "release"] == [("release", e) for e, _ in outcome.failed]


def test_ctrl_c_stops_between_messages():
    sender = Sender()
    outcome = mailing(FakeRepository(), sender, stop=lambda: len(sender.sent) >= 2).run(
        make_plan([person(n) for n in range(5)])
    )
    assert len(sender.sent) == 2 and outcome.stopped_early == "onderbroken"
