"""MkDocs hook: every meeting's pages, each filled with its own meeting's facts, and the shared pages.

The meetings are the folders of docs/bijeenkomsten/ (or of MEETINGS_DIR, as for the function), read and checked by
`registrations.meeting.Meetings`, the same reader the function uses. A meeting's folder holds its invitation
(index.md) and background (achtergrond.md); its form page and the confirmation page are made from one template each
(overrides/meeting_pages/), at /bijeenkomsten/<id>/aanmelden/ and /bijeenkomsten/<id>/aanmelden/bevestiging/
(meeting_files.py). The home page (docs/index.md), privacy.md and toegankelijkheid.md are shared.

What a page may write is in meeting_texts.py: `{{ event.<fact> }}` (or `{{ meeting.<fact> }}`) on a meeting's
pages, `{{ site.<fact> }}` and `{{ featured.<fact> }}` on the shared ones. An unknown placeholder, a meeting folder
without its pages and any wrong fact stop the build with a message that names the folder and the key or file.

Which meeting is open, upcoming or held is decided at build time with the same clock as the function: the real one,
or PREVIEW_NOW from the environment (`make run PREVIEW_NOW=2023-05-10T10:00`). The page script asks the API again
when a form page loads, so a page built while registration was open still closes on time.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "functions"))
# The hook's own modules beside it (MkDocs puts this folder on the path only while it loads the hook).
sys.path.insert(0, str(Path(__file__).resolve().parent))

import meeting_files  # noqa: E402
import meeting_texts  # noqa: E402
from meeting_texts import Site  # noqa: E402

from registrations.meeting import Meeting, MeetingFileError, Meetings, page_path  # noqa: E402
from registrations.settings import make_clock  # noqa: E402

# Material's assets this site never loads (overrides/main.html leaves out its bundle, search and palette):
# not copied into site/, so nothing unused is uploaded either.
UNUSED_THEME_ASSETS = re.compile(
    r"^assets/(javascripts/(bundle\.|lunr/|workers/)|stylesheets/palette\.|images/favicon\.png$)"
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
log = logging.getLogger("mkdocs.hooks.meeting")
# The site of the build under way: set by on_config, read by the later events.
_site: Site | None = None


def meetings_root(docs_dir: Path, env=os.environ) -> Path:
    """MEETINGS_DIR when set (a test's copy, a preview), as for the function; else the site's own folders."""
    return Path(env["MEETINGS_DIR"]) if env.get("MEETINGS_DIR") else docs_dir / "bijeenkomsten"


def build_moment(env=os.environ, timezone: ZoneInfo = AMSTERDAM) -> dt.datetime:
    """The moment the site is built for: PREVIEW_NOW when set (as in the function; without an offset, in
    `timezone`), else now.

    Said at INFO on MkDocs' own logger: `mkdocs build` shows it, and `make run` (which builds with --quiet and
    whose app announces the preview clock itself) prints it once.
    """
    preview_now = env.get("PREVIEW_NOW") or None
    moment = make_clock(preview_now, timezone, announce=False)()
    if preview_now:
        log.info("Building the site as at %s (PREVIEW_NOW)", moment.isoformat())
    return moment


def load_site(docs_dir: Path = ROOT / "docs", env=os.environ) -> Site:
    """Every meeting (read and checked), at the build moment."""
    meetings = Meetings.load(meetings_root(docs_dir, env))
    return Site(meetings, build_moment(env, meetings.letter_meeting.timezone))


def registration_open(meeting: Meeting | None = None, env=os.environ) -> bool:
    """Whether registration for `meeting` (by default the letter's) is open at the build moment."""
    site = load_site(env=env)
    return site.is_open(meeting or site.meetings.letter_meeting)


def current_site() -> Site:
    if _site is None:
        raise RuntimeError("the meeting hook's on_config has not run")
    return _site


def on_config(config):
    global _site
    try:
        _site = load_site(Path(config.docs_dir))
    except MeetingFileError as exc:
        # The message names the folder and the key; MkDocs shows a PluginError's message without a traceback.
        raise PluginError(f"{type(exc).__name__}: {exc}") from exc
    # The frame's fallback (the 404 page has no page of its own): the meeting the home page leads with.
    config.extra["meeting"] = _site.featured.public_facts()
    return config


def on_files(files, config):
    meeting_files.place(files, config, current_site())
    # Only our own theme overrides leave those assets unused (a build with stock Material, as the benchmark's
    # baseline, keeps them).
    if Path(config.theme.custom_dir or "").resolve() != ROOT / "overrides":
        return files
    docs_dir = Path(config.docs_dir).resolve()
    for file in list(files):
        from_theme = not file.generated_by and docs_dir not in Path(file.abs_src_path).resolve().parents
        if from_theme and UNUSED_THEME_ASSETS.match(file.src_uri):
            files.remove(file)
    return files


def on_page_markdown(markdown: str, page, config, files) -> str:
    return meeting_texts.fill_page(markdown, page, current_site())


def on_page_context(context, page, config, nav):
    # The frame (header, menu, footer) of a meeting's page is that meeting's; of a shared page, the featured one's.
    site = current_site()
    context["meeting"] = site.meeting_of(page.file.src_uri) or site.featured
    return context


def on_env(env, config, files):
    # The header, menu, footer and error summary partials live with the function's templates (its zip cannot read
    # this site's theme); overrides/main.html renders the same files. Theme templates still come first.
    env.loader = jinja2.ChoiceLoader([env.loader, jinja2.FileSystemLoader(meeting_texts.TEMPLATES)])
    env.globals["meeting_path"] = page_path
    return env
