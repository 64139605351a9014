"""The follow-up's rules without storage: content checks, the rate limit, who owes which version. No I/O."""

from __future__ import annotations

import datetime as dt

import pytest

from registrations.console.content import FollowupContent, FollowupContentError
from registrations.delivery.channels import Round
from registrations.delivery.followup import FollowupChannel, received_version
from registrations.delivery.publication import Publication, PublishedPaper
from registrations.mail.rate import RateLimiter

NOW = dt.datetime(2023, 6, 1, 9, 0, tzinfo=dt.UTC)
TEAMS = "https://teams.microsoft.com/l/meetup-join/x"
V1 = Publication("ibp-vth-2023-06-07", 1, "2023-06-01T10:00:00+02:00", TEAMS, (PublishedPaper("Agenda", "https://a"),))
V2 = Publication("ibp-vth-2023-06-07", 2, "2023-06-02T10:00:00+02:00", TEAMS + "2", V1.papers)


def owed(item, *versions):
    return FollowupChannel(mailer=None).owed(item, Round(NOW, versions))  # type: ignore[arg-type]


def test_who_owes_which_follow_up():
    active = {"email": "a@x.nl", "status": "registered"}
    assert owed(active) is None  # nothing published
    assert owed(active, V1).kind == "followup" and owed(active, V1).owed_id == "v1"
    assert owed({**active, "status": "cancelled"}, V1) is None
    # The confirmation is still owed: it will carry the follow-up itself
    assert owed({**active, "mail_owed": "confirmation"}, V1) is None
    # Who had version 1 gets what changed in version 2, once
    had_one = {**active, "followup_version": 1}
    assert owed(had_one, V1) is None
    assert owed(had_one, V1, V2).kind == "followup_change"
    assert owed({**had_one, "followup_mail_done": "v2"}, V1, V2) is None
    # A send in progress is nobody else's to start
    assert owed({**active, "followup_mail_claim_for": "v1"}, V1) is None


def test_what_the_staff_command_of_earlier_versions_sent_counts_as_version_one_with_its_teams_link():
    old = {"email": "a@x.nl", "status": "registered", "followup_sent_at": "2023-06-01T10:00:00+02:00"}
    assert received_version({**old, "teams_link": TEAMS}, Round(NOW, (V1,))) == 1
    assert owed({**old, "teams_link": TEAMS}, V1) is None
    # Another Teams link than the one published: they did not get this one
    assert received_version({**old, "teams_link": "https://teams.example/other"}, Round(NOW, (V1,))) == 0


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
