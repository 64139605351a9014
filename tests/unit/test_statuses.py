"""The statuses are StrEnums whose values are stored data: each value is pinned here, because changing one strands
the items already stored (and the SES events still in flight); and every status staff can meet has its Dutch label."""

from __future__ import annotations

from registrations.delivery.ses_events import STATUS_OF, UNREACHABLE
from registrations.observability.metrics import SES_VERDICTS
from registrations.reports.export import EMAIL_STATUS_LABELS, FOLLOWUP_STATES, STATUS_LABELS
from registrations.reports.summary import MAIL_STATES
from registrations.repository.statuses import RegistrationStatus, SendState, SesVerdict


def test_the_stored_values_are_the_ones_items_already_carry():
    assert [s.value for s in RegistrationStatus] == ["registered", "cancelled"]
    assert [s.value for s in SesVerdict] == ["delivered", "bounced", "complained", "rejected"]
    assert [s.value for s in SendState] == [
        "owed",
        "claimed",
        "sent",
        "retrying",
        "failed",
        "unknown",
        "held_back",
        "released",
        "skipped",
    ]


def test_a_status_compares_and_serialises_as_its_stored_string():
    assert RegistrationStatus.REGISTERED == "registered"
    assert f"{SendState.HELD_BACK}" == "held_back"
    assert str(SesVerdict.BOUNCED) == "bounced"


def test_every_ses_verdict_is_mapped_counted_and_labelled():
    assert sorted(STATUS_OF.values()) == sorted(SesVerdict)
    assert sorted(SES_VERDICTS) == sorted(SesVerdict)
    assert set(EMAIL_STATUS_LABELS) == set(SesVerdict)
    assert set(UNREACHABLE) <= set(SesVerdict)


def test_every_status_staff_see_has_a_dutch_label():
    assert set(STATUS_LABELS) == set(RegistrationStatus)
    assert set(MAIL_STATES) <= set(SendState)
    assert set(FOLLOWUP_STATES) <= set(SendState)
