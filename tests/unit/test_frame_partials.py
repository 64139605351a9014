"""The frame's partials (functions/registrations/web/templates/_nav.html, _header.html) agree with mkdocs.yml.

The function cannot read mkdocs.yml at run time, so the menu's items live in _nav.html, which the site renders too;
these tests keep the two files telling the same story."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import yaml

from registrations.meeting import load_meeting, page_path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "functions" / "registrations" / "web" / "templates"


class _MkDocsLoader(yaml.SafeLoader):
    """mkdocs.yml as plain data: its !ENV tags read as their default."""


_MkDocsLoader.add_constructor("!ENV", lambda loader, node: loader.construct_sequence(node)[-1])


def mkdocs_config() -> dict:
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_MkDocsLoader)


def page_url(source: str) -> str:
    """The URL MkDocs gives a page with use_directory_urls: index.md is /, achtergrond.md is /achtergrond/."""
    path = source.removesuffix(".md")
    path = path.removesuffix("index").rstrip("/")
    return f"/{path}/" if path else "/"


def nav_module():
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    env.globals["meeting_path"] = page_path
    return env.get_template("_nav.html").module


def menu(meeting=None) -> list[tuple[str, str]]:
    """The menu's items as rendered: (text, address)."""
    html = str(nav_module().site_nav(meeting=meeting))
    return [(text, href) for href, text in re.findall(r'class="site-nav__link" href="([^"]*)"[^>]*>([^<]*)<', html)]


def test_the_menu_starts_with_the_home_page_of_mkdocs_yml_nav():
    nav = [next(iter(entry.items())) for entry in mkdocs_config()["nav"]]
    assert nav == [("Alle bijeenkomsten", "index.md")]
    assert tuple(nav_module().home_item) == ("Alle bijeenkomsten", page_url("index.md"))
    assert menu() == [("Alle bijeenkomsten", "/")]


def test_on_a_meetings_page_the_menu_gives_that_meetings_pages_each_a_page_of_the_site():
    meeting = load_meeting()
    folder = ROOT / "docs" / "bijeenkomsten" / meeting.id
    items = menu(meeting)
    assert [text for text, _ in items] == ["Alle bijeenkomsten", "Uitnodiging", "Achtergrond", "Aanmelden"]
    sources = {
        page_path(meeting.id): folder / "index.md",
        page_path(meeting.id, "achtergrond/"): folder / "achtergrond.md",
        # The form page is made for every meeting from one template (overrides/hooks/meeting_files.py).
        page_path(meeting.id, "aanmelden/"): ROOT / "overrides" / "meeting_pages" / "aanmelden.md",
    }
    assert [href for _, href in items[1:]] == list(sources)
    for href, source in sources.items():
        assert source.is_file(), href


def test_the_site_name_is_the_events_title():
    """The MkDocs pages' titles end in site_name, the function's pages' in the event's title: the same words."""
    assert mkdocs_config()["site_name"] == load_meeting().title
