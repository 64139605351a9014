"""Personal data out of the access logs: Zappa's on AWS, and the lines the local server (waitress) writes.

Zappa writes one line per request (logger "zappa.wsgi", Apache combined format). It names the client's IP address,
the query string and the referrer; and the path of the personal page holds the personal link's token. The filter
keeps the time, method, path (with the token replaced by a mark), status, size, user agent and duration, and blanks
the rest. waitress names the path when a client disconnects or a request fails ("... while serving <path>").

Which path is the personal page's is decided by where the path leads, not by how it is spelled: a path reaches
the personal page in many forms (`/api//mijn-aanmelding/T`, `%2F` for a slash, `%69` for an "i", `/./`, `/x/../`),
because werkzeug merges slashes, the servers and API Gateway decode percent signs (Zappa once more), and browsers
and CloudFront resolve dot segments. So the path is resolved as every one of those layers might, and any path that
then names the personal page's route is logged as the route with a mark for the token.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote

from ..mail.confirmation import PERSONAL_PATH

ZAPPA_ACCESS_LOGGER = "zappa.wsgi"
WAITRESS_LOGGER = "waitress"
# The request target cannot hold a quote, so it never runs into the referrer, which a client chooses freely.
ACCESS_LINE = re.compile(
    r'^\S* \S+ \S+ (?P<time>\[[^\]]*\]) "(?P<method>\S+) (?P<target>[^"]*?) (?P<protocol>HTTP/[^" ]*)" '
    r'(?P<status>\d{3}) (?P<size>\d+) "[^"]*" "(?P<agent>[^"]*)"(?P<rest>.*)$'
)

# The personal page's route (web/personal.py): every path under it is the personal page's, its catch-all included.
PERSONAL_SEGMENT = PERSONAL_PATH.rsplit("/", 1)[1].casefold()
TOKEN_MARK = PERSONAL_PATH + "/[link]"
# What may follow the token, kept so that the action is still seen.
ACTIONS = ("annuleren",)
# More decoding than any chain of layers in front of the app does (Zappa decodes after API Gateway).
MAX_DECODES = 5


def decoded(text: str) -> str:
    for _ in range(MAX_DECODES):
        once = unquote(text)
        if once == text:
            break
        text = once
    return text


def resolved_segments(path: str) -> list[str]:
    """The path's segments as the layers in front of the route may read it: percent signs decoded (repeatedly),
    a backslash read as a slash, empty and "." segments dropped (merged slashes), ".." applied."""
    segments: list[str] = []
    for segment in decoded(path).replace("\\", "/").split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    return segments


def redact_path(path: str) -> str:
    """The path as it may be logged: any path that names the personal page (in whatever form) becomes the
    route with a mark for the token, and its action if it has one; any other path stays as it was."""
    segments = resolved_segments(path)
    for i, segment in enumerate(segments):
        if PERSONAL_SEGMENT in segment.casefold():
            rest = segments[i + 1 :]
            if segment.casefold() == PERSONAL_SEGMENT and not rest:
                return PERSONAL_PATH  # the route itself, without a token
            action = f"/{rest[-1]}" if len(rest) > 1 and rest[-1] in ACTIONS else ""
            return TOKEN_MARK + action
    return path


def redact_message(message: str) -> str:
    """A log line that names a path (waitress: "... while serving <path>"): from the first word that leads to the
    personal page on, the line is the route's mark, since a decoded path may hold spaces."""
    words = message.split(" ")
    for i, word in enumerate(words):
        if PERSONAL_SEGMENT in decoded(word).casefold():
            return " ".join([*words[:i], redact_path(" ".join(words[i:]))])
    return message


class AccessLogRedaction(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        match = ACCESS_LINE.match(record.getMessage())
        if match is None:
            # A line in a shape we do not know (after a Zappa upgrade) is dropped rather than logged unredacted.
            return False
        # The query string is dropped (it is never logged); the path is logged as redact_path says.
        path = match["target"].split("?", 1)[0]
        fields = {**match.groupdict(), "path": redact_path(path)}
        record.msg = '- - - {time} "{method} {path} {protocol}" {status} {size} "-" "{agent}"{rest}'.format(**fields)
        record.args = ()
        return True


class PathRedaction(logging.Filter):
    """For the local server's lines (waitress), which name the path in free text."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_message(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def install() -> None:
    logger = logging.getLogger(ZAPPA_ACCESS_LOGGER)
    if not any(isinstance(f, AccessLogRedaction) for f in logger.filters):
        logger.addFilter(AccessLogRedaction())


def install_local() -> None:
    """The same for the local server's logger (make run)."""
    logger = logging.getLogger(WAITRESS_LOGGER)
    if not any(isinstance(f, PathRedaction) for f in logger.filters):
        logger.addFilter(PathRedaction())
