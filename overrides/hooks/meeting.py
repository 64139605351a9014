"""MkDocs hook: loads the meeting's facts (bijeenkomst.toml, the single source, read-only) and fills them into the pages.

Markdown pages may use:
- {{ event.<fact> }}: a fact from bijeenkomst.toml (through `registrations.meeting.Meeting`), or one of the derived
  texts in `DERIVED` below; a fact VNG has still to supply (`PENDING_FACTS`) shows as "[nog in te vullen: ...]";
- {{ registration_form }}: the error summary, the closed notice and the form, from the one form template that
  the function's no-JavaScript error page uses too;
- {{ call_to_action }}: the "Meld u aan" button while registration is open, else the closed notice.

Whether registration is open is decided at build time with the same clock as the function: the real one, or
PREVIEW_NOW from the environment (`make run PREVIEW_NOW=2023-05-10T10:00`). The page script asks /api/event again
when the page loads, so a page built while registration was open still closes on time.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
import re
import sys
from pathlib import Path

import jinja2

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "functions"))

from registrations.meeting import PENDING_FACTS, Meeting, dutch_date, load_meeting  # noqa: E402
from registrations.settings import make_clock  # noqa: E402
from registrations.web.api import CONFIRMATION_PATH  # noqa: E402

TEMPLATES = ROOT / "functions" / "registrations" / "web" / "templates"
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_.]*)\s*\}\}")
# Material's assets this site never loads (overrides/main.html leaves out its bundle, search and palette):
# not copied into site/, so nothing unused is uploaded either.
UNUSED_THEME_ASSETS = re.compile(
    r"^assets/(javascripts/(bundle\.|lunr/|workers/)|stylesheets/palette\.|images/favicon\.png$)"
)


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


# Texts derived from the facts, for the pages only (the function has its own wording where it needs one).
DERIVED = {
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
}

log = logging.getLogger("mkdocs.hooks.meeting")
_meeting = load_meeting()
_env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)


def build_moment(env=os.environ) -> dt.datetime:
    """The moment the site is built for: PREVIEW_NOW when set (as in the function), else now.

    Said at INFO on MkDocs' own logger: `mkdocs build` shows it, and `make run` (which builds with --quiet and
    whose app announces the preview clock itself) prints it once.
    """
    preview_now = env.get("PREVIEW_NOW") or None
    moment = make_clock(preview_now, _meeting.timezone, announce=False)()
    if preview_now:
        log.info("Building the site as at %s (PREVIEW_NOW)", moment.isoformat())
    return moment


def registration_open(meeting: Meeting = _meeting, env=os.environ) -> bool:
    return meeting.is_registration_open(build_moment(env))


def _render(macro: str, **kwargs) -> str:
    # The templates (the pages' placeholders too) call the meeting `event`.
    source = '{% from "_form.html" import ' + macro + " %}{{ " + macro + "(event, **kwargs) }}"
    # One line: Markdown would otherwise read indented HTML lines as code blocks.
    html = _env.from_string(source).render(event=_meeting, kwargs=kwargs)
    return re.sub(r">\s*\n\s*", ">", html).replace("\n", " ")


def _lookup(name: str, is_open: bool) -> str:
    if name == "registration_form":
        return _render("registration_section", is_open=is_open, confirmation_path=CONFIRMATION_PATH)
    if name == "call_to_action":
        return _render("call_to_action", is_open=is_open)
    head, _, attr = name.partition(".")
    if head != "event" or not attr or attr.startswith("_"):
        raise KeyError(name)
    if attr in DERIVED:
        return DERIVED[attr](_meeting)
    if attr in PENDING_FACTS:
        return pending_fact(_meeting, attr)
    return str(getattr(_meeting, attr))


def on_page_markdown(markdown: str, page, config, files) -> str:
    is_open = config.extra["registration_open"]

    def replace(match: re.Match) -> str:
        try:
            return _lookup(match.group(1), is_open)
        except (KeyError, AttributeError) as exc:
            raise ValueError(f"{page.file.src_path}: unknown placeholder {match.group(0)}") from exc

    # The front matter too (the page description), so no fact is typed there either.
    for key, value in list(page.meta.items()):
        if isinstance(value, str):
            page.meta[key] = PLACEHOLDER.sub(replace, value)
    return cancelled_notice(PLACEHOLDER.sub(replace, markdown), _meeting)


def cancelled_notice(markdown: str, meeting: Meeting) -> str:
    """A called-off meeting: every page says so plainly, right under its heading (or at the top)."""
    if not meeting.cancelled:
        return markdown
    notice = (
        '\n<div class="reg-notice reg-cancelled" id="meeting-cancelled" markdown="0">'
        f"<p><strong>De bijeenkomst gaat niet door.</strong> {html.escape(meeting.cancelled_text)}</p></div>\n\n"
    )
    lines = markdown.split("\n")
    for index, line in enumerate(lines):
        if line.startswith("# "):
            return "\n".join(lines[: index + 1] + [notice] + lines[index + 1 :])
    return notice + markdown


def on_files(files, config):
    # Only our own theme overrides leave those assets unused (a build with stock Material, as the benchmark's
    # baseline, keeps them).
    if Path(config.theme.custom_dir or "").resolve() != ROOT / "overrides":
        return files
    docs_dir = Path(config.docs_dir).resolve()
    for file in list(files):
        from_theme = docs_dir not in Path(file.abs_src_path).resolve().parents
        if from_theme and UNUSED_THEME_ASSETS.match(file.src_uri):
            files.remove(file)
    return files


def on_env(env, config, files):
    # The header, menu, footer and error summary partials live with the function's templates (its zip cannot read
    # this site's theme); overrides/main.html renders the same files. Theme templates still come first.
    env.loader = jinja2.ChoiceLoader([env.loader, jinja2.FileSystemLoader(TEMPLATES)])
    return env


def on_config(config):
    config.extra["event"] = _meeting.public_facts()
    config.extra["registration_open"] = registration_open()
    return config
