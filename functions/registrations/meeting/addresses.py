"""Where a meeting's pages are on the site, and where the addresses of before there were several meetings lead.

One source for the site (the MkDocs hook and its pages), the function (the API's meeting routes) and both twins of
the edge: the CloudFront function's redirect map is generated from `old_addresses()` (deploy/infra.py), and the
local server redirects with the same map (dev/paths.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from .facts import Meeting

MEETINGS_PATH = "/bijeenkomsten/"
INVITATION = ""
BACKGROUND = "achtergrond/"
FORM = "aanmelden/"
CONFIRMATION = "aanmelden/bevestiging/"
# The pages that had their own address at the site's root while it served one meeting (the letter's link through
# vng.nl leads to /aanmelden/). The invitation was the root itself, which is now the list of every meeting.
OLD_PAGES = (BACKGROUND, FORM, CONFIRMATION)


def page_path(meeting_id: str, page: str = INVITATION) -> str:
    """The address of one of a meeting's pages: /bijeenkomsten/<id>/, /bijeenkomsten/<id>/aanmelden/, ..."""
    return f"{MEETINGS_PATH}{meeting_id}/{page}"


def api_path(meeting_id: str, suffix: str = "") -> str:
    """The meeting's facts in the API (/api/bijeenkomsten/<id>), or its calendar file with suffix ".ics"."""
    return f"/api{MEETINGS_PATH}{meeting_id}{suffix}"


def old_addresses(meetings: Iterable[Meeting]) -> dict[str, str]:
    """Each old address (with its slash) and the page of the meeting with `old_addresses = true` it redirects to;
    empty when no meeting has them."""
    letter = next((m for m in meetings if m.old_addresses), None)
    if letter is None:
        return {}
    return {"/" + page: page_path(letter.id, page) for page in OLD_PAGES}
