"""The local twin of the CloudFront directory-index function (DirectoryIndexFunction in infra/template.yaml).

Both refuse the same paths and redirect the same ones (a directory without its slash, and the old addresses to the
letter's meeting, registrations.meeting.old_addresses, from which deploy/infra.py writes the function's map);
tests/integration/test_edge_paths.py runs one table of cases through the function's own JavaScript under Node and
through the local server.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import unquote

# A path a browser could read as another host (`//host`, `/\host`: browsers treat `\` as `/`), or with a control
# character (NUL, or a tab or line break, which browsers drop from a URL). Only such a path could turn the slash
# redirect into a redirect off-site, and the site has no page whose address holds one.
_UNSAFE = re.compile(r"//|\\|[\x00-\x1f\x7f]")
# A `%` not followed by two hex digits: JavaScript's decodeURIComponent throws on it, so the function refuses it.
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def refused(raw_path: str) -> bool:
    """Whether a raw request path (as sent, before its query) is refused with 400, as the function does.

    The path is checked as sent and once percent-decoded (`%2F%2F`, `%5C`, `%00` in any case of hex digits).
    """
    if not raw_path.startswith("/") or _BAD_ESCAPE.search(raw_path):
        return True
    try:
        decoded = unquote(raw_path, errors="strict")
    except UnicodeDecodeError:
        # decodeURIComponent throws on escapes that are not UTF-8, too.
        return True
    return bool(_UNSAFE.search(raw_path) or _UNSAFE.search(decoded))


def slash_location(raw_path: str, query: str) -> str:
    """The Location of the redirect from a directory without its slash: the same path with `/`, and the query.

    Only for a path that `refused` lets through, so it starts with one `/` followed by something else than `/`
    or `\\`: a path on this site, never another host.
    """
    if refused(raw_path):
        raise ValueError("a refused path has no redirect")
    return raw_path + "/" + (f"?{query}" if query else "")


def moved_location(raw_path: str, query: str, moved: Mapping[str, str]) -> str | None:
    """The Location of the redirect from an old address (`moved`: old path with its slash → new path), with the
    query; None for any other path. The old address matches with or without its slash, and as .../index.html."""
    if raw_path.endswith("/index.html"):
        page = raw_path.removesuffix("index.html")
    else:
        page = raw_path if raw_path.endswith("/") else raw_path + "/"
    target = moved.get(page)
    return None if target is None else target + (f"?{query}" if query else "")
