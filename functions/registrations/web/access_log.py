"""Personal data out of Zappa's access log.

Zappa writes one line per request (logger "zappa.wsgi", Apache combined format). It names the client's IP address,
the query string (where a personal link's token would be) and the referrer. The filter keeps the time, method,
path, status, size, user agent and duration, and blanks the rest.
"""

from __future__ import annotations

import logging
import re

ZAPPA_ACCESS_LOGGER = "zappa.wsgi"
ACCESS_LINE = re.compile(
    r'^\S* \S+ \S+ (?P<time>\[[^\]]*\]) "(?P<method>\S+) (?P<path>[^ ?"]*)\S* (?P<protocol>[^"]*)" '
    r'(?P<status>\d{3}) (?P<size>\d+) "[^"]*" "(?P<agent>[^"]*)"(?P<rest>.*)$'
)


class AccessLogRedaction(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        match = ACCESS_LINE.match(record.getMessage())
        if match is None:
            # A line in a shape we do not know (after a Zappa upgrade) is dropped rather than logged unredacted.
            return False
        record.msg = '- - - {time} "{method} {path} {protocol}" {status} {size} "-" "{agent}"{rest}'.format(
            **match.groupdict()
        )
        record.args = ()
        return True


def install() -> None:
    logger = logging.getLogger(ZAPPA_ACCESS_LOGGER)
    if not any(isinstance(f, AccessLogRedaction) for f in logger.filters):
        logger.addFilter(AccessLogRedaction())
