"""A changed or called-off meeting through the deliverer (dynalite): exactly one change email per active registrant
once the change is confirmed, none on an unchanged redeploy, none for a rollback before the confirmation, none on
the first deploy of this code; a called-off meeting gives METHOD:CANCEL; what hangs on the date moves with it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest

from deploy.announce import run
from registrations import create_app, create_deliverer
from registrations.meeting import load_meeting
from registrations.repository import RegistrationRepository
from tests.conftest import own_page_client
from tests.integration.test_reminders_delivered import Kept, form
from tests.mailbox import Clock

AMS = ZoneInfo("Europe/Amsterdam")
EVENT = load_meeting()
MOVED = dataclasses.replace(
    EVENT,
    starts_at=dt.datetime(2023, 6, 14, 14, 0, tzinfo=AMS),
    ends_at=dt.datetime(2023, 6, 14, 15, 30, tzinfo=AMS),
    reminders=tuple(dataclasses.replace(r, moment=r.moment + dt.timedelta(days=7)) for r in EVENT.reminders),
)
CALLED_OFF = dataclasses.replace(EVENT, cancelled=True, cancelled_reason="De stuurgroep heeft het besluit uitgesteld.")


@pytest.fixture
def clock():
    return Clock("2023-05-20T09:00")


@pytest.fixture
def sender():
    return Kept()


@pytest.fixture
def repository(table):
    return RegistrationRepository(table)


@pytest.fixture
def registered(app_config, clock, sender, table):
    """Three active registrations (one cancelled besides), confirmations sent under today's facts."""
    client = own_page_client(create_app(app_config, clock=clock))
    for n in range(4):
        assert client.post("/api/registrations", json=form(n)).status_code == 201
    create_deliverer(app_config, clock=clock, transport=sender).sweep()
    RegistrationRepository(table).update(
        EVENT.id, form(3)["email"], {"status": "cancelled", "cancelled_at": "2023-05-21T10:00:00+02:00"}
    )
    sender.messages.clear()
    return [form(n)["email"] for n in range(3)]


def deliverer_for(event, app_config, clock, sender):
    """The deliverer of a deploy with these facts."""
    return create_deliverer(app_config, clock=clock, transport=sender, meeting=event)


def confirm(repository, event, clock) -> None:
    """The person deploying answers "j" to the deploy step."""
    assert run(repository, event, clock(), lambda _: "j", lambda _: None) is not None


def calendar_of(message):
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    calendar = icalendar.Calendar.from_ical(part.get_content())
    [entry] = calendar.walk("VEVENT")
    return calendar, entry


def test_a_moved_meeting_gives_exactly_one_change_email_per_registrant(
    registered, app_config, clock, sender, repository, table
):
    moved = deliverer_for(MOVED, app_config, clock, sender)
    clock.set("2023-05-30T09:00")
    # Deployed, not yet confirmed: nobody is mailed.
    moved.sweep()
    assert sender.messages == []
    confirm(repository, MOVED, clock)
    moved.sweep()
    moved.sweep()
    assert sorted(r for r, _ in sender.messages) == sorted(registered)
    for _, message in sender.messages:
        assert message["Subject"].startswith("Gewijzigd. De bestuurlijke netwerkbijeenkomst IBP VTH is nu op 14 juni")
        text = message.get_body(("plain",)).get_content()
        assert "Datum: was woensdag 7 juni 2023, wordt woensdag 14 juni 2023" in text
        calendar, entry = calendar_of(message)
        assert calendar["METHOD"] == "REQUEST"
        assert entry.decoded("DTSTART") == dt.datetime(2023, 6, 14, 12, 0, tzinfo=dt.UTC)
    # An unchanged redeploy: the step asks nothing, the deliverer sends nothing.
    assert run(repository, MOVED, clock(), lambda _: "j", lambda _: None) is None
    deliverer_for(MOVED, app_config, clock, sender).sweep()
    assert len(sender.messages) == 3
    # What hangs on the date moved: the TTL, and the reminders (the old moment owes nothing, the new one does).
    item = repository.get(EVENT.id, registered[0])
    assert int(item["expires_at"]) == int(MOVED.expires_at.timestamp())
    clock.set("2023-06-06T10:05")
    moved.sweep()
    assert len(sender.messages) == 3
    clock.set("2023-06-13T10:05")
    moved.sweep()
    assert [m["Subject"].split(" ")[0] for _, m in sender.messages[3:]] == ["Herinnering"] * 3


def test_the_change_email_has_a_higher_sequence_than_the_confirmation(app_config, clock, repository):
    kept = Kept()
    client = own_page_client(create_app(app_config, clock=clock))
    assert client.post("/api/registrations", json=form(7)).status_code == 201
    create_deliverer(app_config, clock=clock, transport=kept).sweep()
    confirm(repository, MOVED, clock)
    deliverer_for(MOVED, app_config, clock, kept).sweep()
    confirmation, change = (int(calendar_of(m)[1]["SEQUENCE"]) for _, m in kept.messages)
    assert change > confirmation
    assert str(calendar_of(kept.messages[0][1])[1]["UID"]) == str(calendar_of(kept.messages[1][1])[1]["UID"])


def test_a_rollback_before_the_confirmation_mails_nobody(registered, app_config, clock, sender, repository):
    clock.set("2023-05-30T09:00")
    # Deployed moved; the person deploying answers no.
    assert run(repository, MOVED, clock(), lambda _: "n", lambda _: None) is None
    deliverer_for(MOVED, app_config, clock, sender).sweep()
    # Rolled back to today's facts.
    assert run(repository, EVENT, clock(), lambda _: "j", lambda _: None) is None
    deliverer_for(EVENT, app_config, clock, sender).sweep()
    assert sender.messages == []


def test_going_back_after_the_confirmation_is_a_new_change_mailed_once(
    registered, app_config, clock, sender, repository
):
    confirm(repository, MOVED, clock)
    deliverer_for(MOVED, app_config, clock, sender).sweep()
    assert len(sender.messages) == 3
    original = deliverer_for(EVENT, app_config, clock, sender)
    original.sweep()
    assert len(sender.messages) == 3, "rolled back but not confirmed: nothing yet"
    confirm(repository, EVENT, clock)
    original.sweep()
    original.sweep()
    back = [m for _, m in sender.messages[3:]]
    assert len(back) == 3
    assert all("wordt woensdag 7 juni 2023" in m.get_body(("plain",)).get_content() for m in back)


def test_the_first_deploy_of_this_change_mails_nobody(app_config, clock, sender, table, repository):
    # Registrations stored before this code: no meeting_facts on the item.
    for n in range(3):
        table.put_item(
            Item={
                "event": EVENT.id,
                "email": f"oud{n}@x.example",
                "status": "registered",
                "registered_at": "2023-05-01T10:00:00+02:00",
                "registration_id": f"rid-{n}",
                "link_version": 1,
                "mail_status": "sent",
            }
        )
    assert run(repository, EVENT, clock(), lambda _: "j", lambda _: None) is None
    deliverer_for(EVENT, app_config, clock, sender).sweep()
    assert sender.messages == []


def test_a_called_off_meeting_gives_a_cancel_to_every_active_registrant(
    registered, app_config, clock, sender, repository, table
):
    clock.set("2023-05-30T09:00")
    off = deliverer_for(CALLED_OFF, app_config, clock, sender)
    off.sweep()
    assert sender.messages == []
    confirm(repository, CALLED_OFF, clock)
    off.sweep()
    off.sweep()
    assert sorted(r for r, _ in sender.messages) == sorted(registered)
    for _, message in sender.messages:
        assert (
            message["Subject"] == "Afgelast. De bestuurlijke netwerkbijeenkomst IBP VTH van 7 juni 2023 gaat niet door"
        )
        assert "De stuurgroep heeft het besluit uitgesteld." in message.get_body(("plain",)).get_content()
        calendar, entry = calendar_of(message)
        assert calendar["METHOD"] == "CANCEL" and entry["STATUS"] == "CANCELLED"
    # No reminder for a meeting that does not take place.
    clock.set("2023-06-06T10:05")
    off.sweep()
    assert len(sender.messages) == 3
    assert repository.get(EVENT.id, registered[0])["meeting_facts"].endswith("|gaat niet door")


def test_a_new_teams_link_with_the_moved_meeting_gives_one_email_not_two(
    registered, app_config, clock, sender, repository
):
    from registrations.delivery import publication

    def publish(link: str) -> None:
        publication.publish(
            repository,
            EVENT.id,
            link,
            [publication.PublishedPaper("Landschap", url="https://vng.nl/landschap")],
            "code",
            clock().isoformat(),
            int(MOVED.expires_at.timestamp()),
        )

    clock.set("2023-05-25T10:00")
    publish("https://teams.microsoft.com/l/meetup-join/first")
    create_deliverer(app_config, clock=clock, transport=sender).sweep()
    assert len(sender.messages) == 3  # the follow-up, version 1
    sender.messages.clear()
    # The meeting moves, and the Teams link with it: a new follow-up version and a confirmed change.
    clock.set("2023-05-30T09:00")
    publish("https://teams.microsoft.com/l/meetup-join/second")
    confirm(repository, MOVED, clock)
    moved = deliverer_for(MOVED, app_config, clock, sender)
    moved.sweep()
    moved.sweep()
    assert sorted(r for r, _ in sender.messages) == sorted(registered), "one email each"
    for _, message in sender.messages:
        assert message["Subject"].startswith("Gewijzigd. De bestuurlijke netwerkbijeenkomst")
        text = message.get_body(("plain",)).get_content()
        assert "https://teams.microsoft.com/l/meetup-join/second" in text
        assert "- Landschap: https://vng.nl/landschap" in text
        assert str(calendar_of(message)[1]["LOCATION"]) == "https://teams.microsoft.com/l/meetup-join/second"
    item = repository.get(EVENT.id, registered[0])
    assert int(item["followup_version"]) == 2
    assert item["teams_link"] == "https://teams.microsoft.com/l/meetup-join/second"
