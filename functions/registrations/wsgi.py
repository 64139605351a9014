"""The WSGI entry for AWS Lambda: Zappa's `app_function` is `registrations.wsgi.app`.

The app is built once per Lambda container, at its cold start, from the Lambda's environment variables
(`settings_from_env`); a missing setting stops the cold start with a ConfigError that names it.
"""

from __future__ import annotations

import logging
import re

from . import create_app

# Zappa writes one access line per request (logger "zappa.wsgi", Apache combined format). It names the client's
# IP address, the query string (where a personal link's token would be) and the referrer: personal data that
# must stay out of CloudWatch. Keep the time, method, path, status, size, user agent and duration.
ACCESS_LINE = re.compile(
    r'^\S* \S+ \S+ (?P<time>\[[^\]]*\]) "(?P<method>\S+) (?P<path>[^ ?"]*)\S* (?P<protocol>[^"]*)" '
    r'(?P<status>\d{3}) (?P<size>\d+) "[^"]*" "(?P<agent>[^"]*)"(?P<rest>.*)$'
)


class AccessLogRedaction(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        match = ACCESS_LINE.match(record.getMessage())
        if match is None:
            # An access line in a shape we do not know (a Zappa upgrade) is dropped rather than logged unredacted.
            return False
        record.msg = '- - - {time} "{method} {path} {protocol}" {status} {size} "-" "{agent}"{rest}'.format(
            **match.groupdict()
        )
        record.args = ()
        return True


logging.getLogger("zappa.wsgi").addFilter(AccessLogRedaction())

app = create_app()
