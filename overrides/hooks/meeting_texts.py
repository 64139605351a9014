"""What a page of the site may write, and what it becomes (the MkDocs hook meeting.py calls `fill_page`).

On a meeting's pages (docs/bijeenkomsten/<id>/ and the form pages made for it):
- {{ event.<fact> }} or {{ meeting.<fact> }}: a fact of that meeting (`registrations.meeting.Meeting`), or one of
  the texts in `DERIVED`; a fact VNG has still to supply (`PENDING_FACTS`) shows as "[nog in te vullen: ...]";
- {{ registration_form }}: the error summary, the closed notice and the form, from the one form template that
  the function's no-JavaScript error page uses too; {{ call_to_action }}: the "Meld u aan" button while
  registration is open, else the closed notice. A held meeting shows neither: it says it has taken place.
On the shared pages (the home page, the statements):
- {{ featured.<fact> }}: a fact of the meeting the home page leads with; {{ site.<fact> }}: what every meeting
  shares (`SITE`, and the PENDING_FACTS of gedeeld.toml), on a meeting's pages too;
- {{ featured_meeting }} and {{ other_meetings }}: the home page's two parts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jinja2
from mkdocs.exceptions import PluginError

from registrations.meeting import PENDING_FACTS, Meeting, Meetings, api_path, dutch_date, page_path
from registrations.meeting.addresses import BACKGROUND, CONFIRMATION, FORM

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "functions" / "registrations" / "web" / "templates"
PARTIALS = ROOT / "overrides" / "partials"
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_.]*)\s*\}\}")


class PageError(PluginError):
    """A page, or a meeting's folder, is not what the site can build (the message names the file or folder, and the
    placeholder). MkDocs stops the build with the message alone."""


@dataclass(frozen=True)
class Site:
    """Every meeting, at the moment the site is built for."""

    meetings: Meetings
    now: dt.datetime

    def meeting_of(self, src_uri: str) -> Meeting | None:
        """The meeting a page belongs to (bijeenkomsten/<id>/...), or None for a shared page."""
        parts = src_uri.split("/")
        return self.meetings.get(parts[1]) if len(parts) > 2 and parts[0] == "bijeenkomsten" else None

    def is_open(self, meeting: Meeting) -> bool:
        return meeting.is_registration_open(self.now)

    def state(self, meeting: Meeting) -> str:
        """cancelled, open (registration), closed (registration, before the end) or held."""
        if meeting.cancelled:
            return "cancelled"
        if self.is_open(meeting):
            return "open"
        return "held" if self.now >= meeting.ends_at else "closed"

    @property
    def featured(self) -> Meeting:
        return self.meetings.featured(self.now)

    def others(self) -> list[Meeting]:
        """Every meeting but the featured one, the newest first."""
        return [m for m in reversed(self.meetings.meetings) if m.id != self.featured.id]


def pending_fact(meeting: Meeting, key: str) -> str:
    """A fact VNG still has to supply: its value as page text, or a visible marker while it is empty."""
    value = getattr(meeting, key)
    if value is None:
        return f"<mark>[nog in te vullen: {PENDING_FACTS[key]}]</mark>"
    return dutch_date(value) if isinstance(value, dt.date) else str(value)


def _link_or_marker(meeting: Meeting, key: str, text: str | None, href: str) -> str:
    value = getattr(meeting, key)
    if value is None:
        return pending_fact(meeting, key)
    return f"[{text or value}]({href.format(value)})"


# Texts derived from a meeting's facts, for the pages only (the function has its own wording where it needs one).
DERIVED: dict[str, Callable[[Meeting], str]] = {
    # The date of the invitation letter (no reminder may fall before it).
    "letter_date_text": lambda m: dutch_date(m.letter_date),
    "day_text": lambda m: dutch_date(m.starts_at.date()),
    "deadline_day_text": lambda m: dutch_date(m.last_registration_day),
    "retention_end_text": lambda m: dutch_date(m.expires_at.date()),
    # Markdown links for the pending facts, or their marker (a link to nothing would hide that one is missing).
    "data_protection_officer_link": lambda m: _link_or_marker(m, "data_protection_officer_email", None, "mailto:{}"),
    "accessibility_register_link": lambda m: _link_or_marker(
        m, "accessibility_register_url", "deze verklaring in het register", "{}"
    ),
    # The meeting's own addresses (meeting/addresses.py).
    "url": lambda m: page_path(m.id),
    "background_url": lambda m: page_path(m.id, BACKGROUND),
    "form_url": lambda m: page_path(m.id, FORM),
    "confirmation_url": lambda m: page_path(m.id, CONFIRMATION),
    "calendar_url": lambda m: api_path(m.id, ".ics"),
}
SHARED_LINKS = ("data_protection_officer_link", "accessibility_register_link")

_env = jinja2.Environment(loader=jinja2.FileSystemLoader([PARTIALS, TEMPLATES]), autoescape=True)
_env.globals.update(meeting_path=page_path, dutch_date=dutch_date)


def render(template: str, macro: str, *args: object, **kwargs: object) -> str:
    """A macro of one of the templates, as one line: Markdown would read indented HTML lines as code blocks."""
    source = "{% from " + repr(template) + " import " + macro + " %}{{ " + macro + "(*args, **kwargs) }}"
    html = _env.from_string(source).render(args=args, kwargs=kwargs)
    return re.sub(r">\s*\n\s*", ">", html).replace("\n", " ")


def fact(meeting: Meeting, name: str) -> str:
    if not name or name.startswith("_"):
        raise KeyError(name)
    if name in DERIVED:
        return DERIVED[name](meeting)
    if name in PENDING_FACTS:
        return pending_fact(meeting, name)
    value = getattr(meeting, name)
    if callable(value):
        raise KeyError(name)
    return str(value)


def _one_organiser(site: Site) -> str:
    organisers = sorted({m.organiser for m in site.meetings})
    if len(organisers) > 1:
        raise PageError(f"the meetings have different organisers ({'; '.join(organisers)}); the statements name one")
    return organisers[0]


def _retention_days(site: Site) -> str:
    days = [str(d) for d in sorted({m.retention_days for m in site.meetings})]
    return days[0] if len(days) == 1 else ", ".join(days[:-1]) + " of " + days[-1]


# What every meeting shares, for the shared pages (and a meeting's own).
SITE: dict[str, Callable[[Site], str]] = {
    "organiser": _one_organiser,
    "retention_days": _retention_days,
    "meetings_list": lambda s: render("meetings.html", "meetings_list", s, s.meetings.meetings[::-1]),
}


def site_value(site: Site, name: str) -> str:
    if name in SITE:
        return SITE[name](site)
    if name in PENDING_FACTS or name in SHARED_LINKS:
        # gedeeld.toml's facts: every meeting carries the same (the catalogue refuses them in a meeting's file).
        return fact(site.meetings.letter_meeting, name)
    raise KeyError(name)


def meeting_value(site: Site, meeting: Meeting, name: str) -> str:
    state = site.state(meeting)
    if name == "registration_form":
        if state == "held":
            return ""
        confirmation = page_path(meeting.id, CONFIRMATION)
        return render(
            "_form.html", "registration_section", meeting, is_open=state == "open", confirmation_path=confirmation
        )
    if name == "call_to_action":
        return "" if state == "held" else render("_form.html", "call_to_action", meeting, is_open=state == "open")
    head, _, attr = name.partition(".")
    if head == "site":
        return site_value(site, attr)
    if head in ("event", "meeting"):
        return fact(meeting, attr)
    raise KeyError(name)


def shared_value(site: Site, name: str) -> str:
    if name == "featured_meeting":
        return render("meetings.html", "featured_meeting", site.featured, site.state(site.featured))
    if name == "other_meetings":
        return render("meetings.html", "other_meetings", [(m, site.state(m)) for m in site.others()])
    head, _, attr = name.partition(".")
    if head == "site":
        return site_value(site, attr)
    if head == "featured":
        return fact(site.featured, attr)
    if head in ("event", "meeting"):
        raise PageError(f"a shared page has no meeting of its own: write {{{{ featured.{attr} }}}} or {{{{ site.… }}}}")
    raise KeyError(name)


def fill_page(markdown: str, page, site: Site) -> str:
    """The page's placeholders filled in (its front matter's too, so no fact is typed there either), and on a
    meeting's page, the notice of a called-off or held meeting under its heading."""
    meeting = site.meeting_of(page.file.src_uri)

    def replace(match: re.Match) -> str:
        name = match.group(1)
        try:
            return meeting_value(site, meeting, name) if meeting else shared_value(site, name)
        except (KeyError, AttributeError) as exc:
            raise PageError(f"{source(page.file)}: unknown placeholder {match.group(0)}") from exc
        except PageError as exc:
            raise PageError(f"{source(page.file)}: {match.group(0)}: {exc}") from exc

    for key, value in list(page.meta.items()):
        if isinstance(value, str):
            page.meta[key] = PLACEHOLDER.sub(replace, value)
    text = PLACEHOLDER.sub(replace, markdown)
    return with_notice(text, meeting, site.state(meeting)) if meeting else text


def source(file) -> str:
    """Where a page comes from: its own file, or the shared template a meeting's form page is made from."""
    path = getattr(file, "abs_src_path", None) or file.src_path
    return path if Path(path).as_posix().endswith(file.src_uri) else f"{path} (as {file.src_uri})"


def with_notice(markdown: str, meeting: Meeting, state: str) -> str:
    """A called-off or held meeting: every page of it says so plainly, right under its heading (or at the top)."""
    if state not in ("cancelled", "held"):
        return markdown
    notice = "\n" + render("meetings.html", "meeting_notice", meeting, state) + "\n\n"
    lines = markdown.split("\n")
    for index, line in enumerate(lines):
        if line.startswith("# "):
            return "\n".join(lines[: index + 1] + [notice] + lines[index + 1 :])
    return notice + markdown
