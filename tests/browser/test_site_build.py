"""The built site as files: a strict build, nothing loaded from elsewhere, no inline scripts, one form template."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from registrations.local.dynalite import PROJECT_ROOT
from registrations.meeting import load_meeting
from registrations.registration.validation import FIELDS
from registrations.web import honeypot

# The letter's meeting's folder in the built site, and its form page.
MEETING = f"bijeenkomsten/{load_meeting().id}"
FORM = f"{MEETING}/aanmelden"

# Attributes that make the browser fetch something (links to read elsewhere, <a href>, are fine).
RESOURCE_ATTRIBUTES = {
    "script": "src",
    "img": "src",
    "iframe": "src",
    "source": "src",
    "audio": "src",
    "video": "src",
    "embed": "src",
    "object": "data",
    "input": "src",
}
FETCHING_LINK_RELS = {
    "stylesheet",
    "icon",
    "preload",
    "prefetch",
    "preconnect",
    "dns-prefetch",
    "modulepreload",
    "manifest",
    "apple-touch-icon",
}


class PageScan(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.resources: list[str] = []
        self.inline_scripts = 0
        self.field_names: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in RESOURCE_ATTRIBUTES and attrs.get(RESOURCE_ATTRIBUTES[tag]):
            self.resources.append(attrs[RESOURCE_ATTRIBUTES[tag]])
        if tag == "link" and FETCHING_LINK_RELS & set((attrs.get("rel") or "").lower().split()):
            self.resources.append(attrs.get("href") or "")
        if tag == "script" and not attrs.get("src"):
            self.inline_scripts += 1
        if tag in ("input", "select", "textarea") and attrs.get("name"):
            self.field_names.append(attrs["name"])


def scan(html: str) -> PageScan:
    parser = PageScan()
    parser.feed(html)
    return parser


def test_mkdocs_build_strict_passes(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "PREVIEW_NOW": "2023-05-10T10:00"},
    )
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr
    assert (tmp_path / "site" / FORM / "index.html").is_file()


def test_no_page_or_stylesheet_loads_anything_from_another_origin(built_site: Path):
    pages = sorted(built_site.rglob("*.html"))
    assert len(pages) >= 7
    for page in pages:
        resources = scan(page.read_text(encoding="utf-8")).resources
        assert resources, page
        foreign = [r for r in resources if re.match(r"^([a-z][a-z0-9+.-]*:)?//", r, re.I)]
        assert foreign == [], page
    for stylesheet in built_site.rglob("*.css"):
        urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", stylesheet.read_text(encoding="utf-8"))
        assert [u for u in urls if re.match(r"^([a-z]+:)?//", u, re.I)] == [], stylesheet


def test_the_pages_have_no_inline_scripts_so_a_strict_csp_can_be_used(built_site: Path):
    for page in sorted(built_site.rglob("*.html")):
        assert scan(page.read_text(encoding="utf-8")).inline_scripts == 0, page


def test_unused_theme_files_are_not_published(built_site: Path):
    published = {p.relative_to(built_site).as_posix() for p in built_site.rglob("*") if p.is_file()}
    assert not [p for p in published if re.match(r"assets/javascripts/(bundle|lunr|workers)", p)]
    assert "assets/stylesheets/registration.css" in published
    assert "assets/javascripts/registration.js" in published


def test_the_site_and_the_error_page_render_the_same_form(built_site: Path, client, valid_form):
    """One template: the site's form and the function's no-JavaScript error page ask the same fields."""
    site_fields = scan((built_site / FORM / "index.html").read_text(encoding="utf-8")).field_names
    response = client.post("/api/registrations", data={**valid_form, "email": "geen-adres"})
    assert response.status_code == 400
    error_page = response.get_data(as_text=True)
    assert scan(error_page).field_names == site_fields
    # Every field the rules know, the honeypot, and the meeting the form registers for
    assert sorted(site_fields) == sorted((*FIELDS, honeypot.FIELD, "meeting"))
    # The error page uses the site's stable stylesheet path, which the build publishes
    [stylesheet] = re.findall(r'<link rel="stylesheet" href="([^"]+)"', error_page)
    assert (built_site / stylesheet.lstrip("/")).is_file()


@pytest.mark.parametrize(
    ("page", "named"),
    [
        ("index.html", "IBP VTH"),
        (f"{MEETING}/index.html", "7 juni 2023"),
        (f"{FORM}/index.html", "7 juni 2023"),
        ("privacy/index.html", "IBP VTH"),
    ],
)
def test_pages_are_dutch_and_described(built_site: Path, page, named):
    html = (built_site / page).read_text(encoding="utf-8")
    assert '<html lang="nl"' in html
    [description] = re.findall(r'<meta name="description" content="([^"]+)"', html)
    # A meeting's pages name its date; the shared pages are true for every meeting
    assert "{{" not in description and named in description
