"""Personal data out of Zappa's access log.

Zappa writes one line per request (logger "zappa.wsgi", Apache combined format). It names the client's IP address,
the query string and the referrer; and the path of the personal page holds the personal link's token. The filter
keeps the time, method, path (with the token replaced by a mark), status, size, user agent and duration, and blanks
the rest.
"""

from __future__ import annotations

import logging
import re

from ..mail.confirmation import MANAGE_PATH

ZAPPA_ACCESS_LOGGER = "zappa.wsgi"
ACCESS_LINE = re.compile(
    r'^\S* \S+ \S+ (?P<time>\[[^\]]*\]) "(?P<method>\S+) (?P<path>[^ ?"]*)\S* (?P<protocol>[^"]*)" '
    r'(?P<status>\d{3}) (?P<size>\d+) "[^"]*" "(?P<agent>[^"]*)"(?P<rest>.*)$'
)


# The segment after the personal page's path is the token; /annuleren after it stays, so the action is still seen.
TOKEN_IN_PATH = re.compile(re.escape(MANAGE_PATH) + r"/[^/?\s\"]+")
TOKEN_MARK = MANAGE_PATH + "/[link]"


def redact_path(path: str) -> str:
    return TOKEN_IN_PATH.sub(TOKEN_MARK, path)


class AccessLogRedaction(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        match = ACCESS_LINE.match(record.getMessage())
        if match is None:
            # A line in a shape we do not know (after a Zappa upgrade) is dropped rather than logged unredacted.
            return False
        fields = {**match.groupdict(), "path": redact_path(match["path"])}
        record.msg = '- - - {time} "{method} {path} {protocol}" {status} {size} "-" "{agent}"{rest}'.format(**fields)
        record.args = ()
        return True


def install() -> None:
    logger = logging.getLogger(ZAPPA_ACCESS_LOGGER)
    if not any(isinstance(f, AccessLogRedaction) for f in logger.filters):
        logger.addFilter(AccessLogRedaction())
