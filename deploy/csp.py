"""The site's Content-Security-Policy: strict, same-origin only, with a hash for each inline script the built site has.

MkDocs Material's base template carries small inline scripts (its `__md_*` helpers, and the palette and tab
restorers); their text depends on the page's depth. Rather than allow inline scripts, the policy lists the
SHA-256 of each distinct one found in the built site. `make infra` writes the policy into infra/template.yaml;
the tests check that the template's policy is the one this module makes for the current site, and that Chromium
reports no violation on any built page served with it.
"""

from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser
from pathlib import Path

# Everything from the site's own origin, nothing from anywhere else; no inline code but the hashed scripts.
BASE_DIRECTIVES: dict[str, list[str]] = {
    "default-src": ["'none'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "manifest-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}
# CloudFront's limit for the Content-Security-Policy value of a response headers policy.
CLOUDFRONT_CSP_LIMIT = 1783
# <script type="..."> values that browsers execute; other types (application/json, ...) are data blocks.
EXECUTABLE_TYPES = {"", "text/javascript", "application/javascript", "module", "text/ecmascript"}


class _InlineScripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag != "script":
            return
        attributes = dict(attrs)
        script_type = (attributes.get("type") or "").strip().lower()
        if "src" not in attributes and script_type in EXECUTABLE_TYPES:
            self._current = []

    def handle_data(self, data):
        if self._current is not None:
            self._current.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._current is not None:
            self.scripts.append("".join(self._current))
            self._current = None


def inline_scripts(html: str) -> list[str]:
    parser = _InlineScripts()
    parser.feed(html)
    parser.close()
    return parser.scripts


def script_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def site_script_hashes(site_dir: Path) -> list[str]:
    """The hash of every distinct inline script in the built site's pages, sorted for a stable policy."""
    hashes = set()
    for page in sorted(Path(site_dir).rglob("*.html")):
        hashes.update(script_hash(script) for script in inline_scripts(page.read_text(encoding="utf-8")))
    return sorted(hashes)


def policy(site_dir: Path) -> str:
    directives = {name: list(values) for name, values in BASE_DIRECTIVES.items()}
    directives["script-src"] += site_script_hashes(site_dir)
    value = "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())
    if len(value) > CLOUDFRONT_CSP_LIMIT:
        raise ValueError(
            f"the Content-Security-Policy is {len(value)} characters, CloudFront allows "
            f"{CLOUDFRONT_CSP_LIMIT}: the site has too many different inline scripts; move them into "
            f"extra_javascript files"
        )
    return value


def missing_hashes(site_dir: Path, csp: str) -> list[str]:
    """Inline scripts of the built site that this policy would block (used before publishing)."""
    allowed = set(csp.split())
    return [h for h in site_script_hashes(site_dir) if h not in allowed]
