"""SES delivery events as EventBridge hands them to the function, for the tests of delivery/ses_events.py."""

from __future__ import annotations

from registrations.meeting import load_meeting

EVENT = load_meeting()
EMAIL = "j.vanthoff@gemeente.example"


def ses_event(
    kind: str,
    *,
    to: list[str] | None = None,
    event_tag: str | None = EVENT.id,
    claim: str = "c1",
    at: str = "2023-05-10T08:00:05.000Z",
    **section: object,
) -> dict:
    """An EventBridge event as SES publishes it for a configuration set (detail = SES's event record)."""
    tags = {"ses:configuration-set": ["vng-registrations-production"], "claim": [claim]}
    if event_tag is not None:
        tags["event"] = [event_tag]
    detail_type = {
        "Delivery": "Email Delivered",
        "Bounce": "Email Bounced",
        "Complaint": "Email Complaint Received",
        "Reject": "Email Rejected",
    }[kind]
    body = {"timestamp": at, **section}
    return {
        "version": "0",
        "source": "aws.ses",
        "detail-type": detail_type,
        "account": "999999999999",
        "region": "eu-central-1",
        "resources": ["arn:aws:ses:eu-central-1:999999999999:configuration-set/x"],
        "detail": {
            "eventType": kind,
            "mail": {
                "timestamp": "2023-05-10T08:00:01.000Z",
                "messageId": "0107018abc",
                "source": "a@vng.nl",
                "destination": to or [EMAIL],
                "tags": tags,
            },
            kind.lower(): body,
        },
    }
