"""Personal links: tampering, truncation, another secret, another event, expiry, the old scheme. No I/O."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from registrations.errors import ExpiredLink, ForeignLink, InvalidLink
from registrations.meeting import load_meeting
from registrations.registration.personal_link import LinkKey, PersonalLinks

AMS = ZoneInfo("Europe/Amsterdam")
EVENT = load_meeting()
REGISTRATION_ID = "Cj0S4TKi2Hu8rTci9lGgpQ"
OPEN = dt.datetime(2023, 5, 10, 10, 0, tzinfo=AMS)
LINKS = PersonalLinks("the-secret", EVENT)
TOKEN = LINKS.token_for(REGISTRATION_ID, 1)
# A link of the first scheme (the address sealed in the token), made with the same secret before this change.
OLD_SCHEME_TOKEN = (
    "WyJpYnAtdnRoLTIwMjMtMDYtMDciLCJ5ZFZWejZ4WDRJX08yY1Z6UER6NE1Jbmg1M0QtSnJrb3Q2eDd0UGJZd0RGM0dQ"
    "RnZScTczIiwxNjg4NzM0ODAwXQ.3yVcxm2GVxpAEnOw7Kc5PpzokdU"
)

INVALID = "Deze link werkt niet. Misschien is hij niet helemaal gekopieerd."


def flip(text: str, index: int) -> str:
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]


def test_a_token_gives_back_its_registration_id_and_version():
    assert LINKS.key_for(TOKEN, OPEN) == LinkKey(REGISTRATION_ID, 1)
    # A new version is another link; each says which version it is
    newer = LINKS.token_for(REGISTRATION_ID, 2)
    assert newer != TOKEN and LINKS.key_for(newer, OPEN) == LinkKey(REGISTRATION_ID, 2)


def test_the_token_is_the_signed_pair_and_no_personal_data():
    # The link ends up in access logs and browser histories: it names a random id, never the address
    assert not TOKEN.startswith("."), "not compressed, so the payload below is the whole of it"
    payload = TOKEN.split(".")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    assert decoded == b'["ibp-vth-2023-06-07","Cj0S4TKi2Hu8rTci9lGgpQ",1,1688734800]'


def test_links_of_the_old_scheme_stop_working():
    with pytest.raises(InvalidLink) as caught:
        LINKS.key_for(OLD_SCHEME_TOKEN, OPEN)
    assert type(caught.value) is InvalidLink


@pytest.mark.parametrize(
    ("token", "why"),
    [
        (flip(TOKEN, 5), "payload changed"),
        (flip(TOKEN, len(TOKEN) - 3), "signature changed"),
        (TOKEN[:-1], "last character cut off"),
        (TOKEN[: len(TOKEN) // 2], "cut in half"),
        (TOKEN.split(".")[0], "signature missing"),
        (TOKEN + "x", "text glued on"),
        ("", "empty"),
        ("niets", "not a token"),
        ("a" * 5000, "far too long"),
        ("....", "only dots"),
        (PersonalLinks("another-secret", EVENT).token_for(REGISTRATION_ID, 1), "signed with another secret"),
    ],
)
def test_a_damaged_or_forged_token_is_an_invalid_link(token, why):
    with pytest.raises(InvalidLink) as caught:
        LINKS.key_for(token, OPEN)
    assert caught.value.message.startswith(INVALID), why
    assert "ronald.kersbergen@vng.nl" in caught.value.message
    assert type(caught.value) is InvalidLink


def test_a_signed_payload_of_the_wrong_shape_is_an_invalid_link():
    # Even a correctly signed token that is not ours in shape can never become a 500
    for forged in (
        {"email": "a@b.example"},
        ["ibp-vth-2023-06-07", "", 1, 1688734800],
        ["ibp-vth-2023-06-07", REGISTRATION_ID, "1", 1688734800],
        ["ibp-vth-2023-06-07", REGISTRATION_ID, True, 1688734800],
    ):
        with pytest.raises(InvalidLink):
            LINKS.key_for(LINKS._serializer.dumps(forged), OPEN)


def test_a_link_for_another_meeting_says_so():
    other_event = dataclasses.replace(EVENT, id="ibp-vth-2023-09-01")
    token = PersonalLinks("the-secret", other_event).token_for(REGISTRATION_ID, 1)
    with pytest.raises(ForeignLink) as caught:
        LINKS.key_for(token, OPEN)
    assert caught.value.message == (
        "Deze link hoort bij een andere bijeenkomst. Gebruik de link uit de e-mail over deze bijeenkomst."
    )


@pytest.mark.parametrize(
    ("now", "valid"),
    [
        (dt.datetime(2023, 6, 7, 16, 0, tzinfo=AMS), True),  # after the meeting: still readable
        (dt.datetime(2023, 7, 7, 14, 59, 59, tzinfo=AMS), True),
        (dt.datetime(2023, 7, 7, 15, 0, tzinfo=AMS), False),  # 30 days after the end
        (dt.datetime(2024, 1, 1, tzinfo=AMS), False),
    ],
)
def test_links_expire_30_days_after_the_meeting(now, valid):
    if valid:
        assert LINKS.key_for(TOKEN, now) == LinkKey(REGISTRATION_ID, 1)
        return
    with pytest.raises(ExpiredLink) as caught:
        LINKS.key_for(TOKEN, now)
    assert caught.value.message == (
        "Deze link is verlopen. Hij werkte tot en met 7 juli 2023. Hebt u vragen? Mail naar ronald.kersbergen@vng.nl."
    )


def test_an_empty_secret_is_refused():
    with pytest.raises(ValueError):
        PersonalLinks("", EVENT)
