"""The frame's partials (functions/registrations/web/templates/_nav.html, _header.html) agree with mkdocs.yml.

The function cannot read mkdocs.yml at run time, so the menu's items live in _nav.html, which the site renders too;
these tests keep the two files telling the same story."""

from __future__ import annotations

from pathlib import Path

import jinja2
import yaml

from registrations.meeting import load_meeting

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


def partial_nav_items() -> list[tuple[str, str]]:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    return [tuple(item) for item in env.get_template("_nav.html").module.nav_items]


def test_the_menu_partial_lists_the_pages_of_mkdocs_yml_nav_in_order():
    nav = [next(iter(entry.items())) for entry in mkdocs_config()["nav"]]
    assert partial_nav_items() == [(title, page_url(source)) for title, source in nav]


def test_every_menu_item_is_a_page_of_the_site():
    for _, url in partial_nav_items():
        source = "index.md" if url == "/" else url.strip("/") + ".md"
        assert (ROOT / "docs" / source).is_file() or (ROOT / "docs" / url.strip("/") / "index.md").is_file(), url


def test_the_site_name_is_the_events_title():
    """The MkDocs pages' titles end in site_name, the function's pages' in the event's title: the same words."""
    assert mkdocs_config()["site_name"] == load_meeting().title
