"""Which addresses count as one mailbox for the email limit. No I/O."""

from __future__ import annotations

import pytest

from registrations.registration.inboxes import mailbox


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("Jan@Gemeente.NL", "jan@gemeente.nl"),
        ("jan+1@gemeente.nl", "jan@gemeente.nl"),
        ("JAN+test+more@gemeente.nl", "jan@gemeente.nl"),
        ("j.jansen@xn--bcher-kva.nl", "j.jansen@xn--bcher-kva.nl"),
    ],
)
def test_a_mailbox_is_the_address_in_lower_case_without_its_tag(address, expected):
    assert mailbox(address) == expected


def test_other_mailboxes_stay_apart():
    assert mailbox("jan@gemeente.nl") != mailbox("piet@gemeente.nl")
    assert mailbox("jan@gemeente.nl") != mailbox("jan@provincie.nl")
