"""The short email to those who had an earlier version of the follow-up: what changed, the papers as they are now,
and (only when the Teams link changed) the calendar entry with the new link as its place.

Those who had no version yet get the newest follow-up itself, never this one. Built by the one composer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any

from .mail.composer import Attachment, MessageComposer
from .papers import PublicationLike, changes_between, paper_links

KIND = "followup_change"


def change_context(
    old: PublicationLike, new: PublicationLike, manage_url: str, old_hashes: Mapping[str, str] | None = None
) -> dict[str, Any]:
    changes = changes_between(old, new.teams_link, new.papers, old_hashes)
    return {
        "changes": changes or ["een kleine correctie; de link en de stukken staan hieronder"],
        "teams_changed": old.teams_link != new.teams_link,
        "teams_link": new.teams_link,
        "papers": paper_links(manage_url, new.papers),
        "manage_url": manage_url,
    }


def build_change(
    composer: MessageComposer,
    item: Mapping[str, Any],
    old: PublicationLike,
    new: PublicationLike,
    manage_url: str,
    now: dt.datetime,
    calendar: Attachment | None,
    old_hashes: Mapping[str, str] | None = None,
) -> EmailMessage:
    """`calendar`: the invitee's updated entry; attached only when the Teams link changed."""
    context = change_context(old, new, manage_url, old_hashes)
    return composer.compose(KIND, item, now, context, calendar if context["teams_changed"] else None)
