"""The function's configuration: read from the environment once, into a frozen, typed object.

`Settings.from_env()` reads; `check()` fails fast with a ConfigError that names every setting that is missing, so
a Lambda cold start (or `make run`) stops with a message a deployer can act on.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

MAIL_BACKENDS = ("outbox", "ses")
# The From address of a local run when none is configured; the outbox delivers nothing, so any address will do.
LOCAL_MAIL_SENDER = "VNG netwerkbijeenkomst <netwerkbijeenkomst@vng.example>"

Clock = Callable[[], dt.datetime]


class ConfigError(RuntimeError):
    """The environment does not say enough to start; the message says what to set."""


def _text(env: Mapping[str, Any], name: str, default: str = "") -> str:
    value = env.get(name)
    return default if value is None else str(value)


def _rate(env: Mapping[str, Any]) -> float:
    text = _text(env, "MAIL_RATE", "14")
    try:
        rate = float(text)
    except ValueError:
        rate = 0.0
    if not 0 < rate <= 1000:
        raise ConfigError(f"MAIL_RATE must be a number of emails per second above 0, such as 14, not {text!r}")
    return rate


@dataclass(frozen=True)
class Settings:
    registrations_table: str = ""
    aws_region: str = ""
    # Signs the personal links; never committed (see handbook/deploying.md).
    token_secret: str = ""
    # Only for dynalite; None means AWS.
    dynamodb_endpoint: str | None = None
    preview_now: str | None = None
    on_lambda: bool = False
    log_level: str = "INFO"
    # The public address of the site, for links in emails (no trailing slash).
    site_url: str = ""
    # "outbox" writes .eml files into mail_outbox (local); "ses" sends with Amazon SES.
    mail_backend: str = "outbox"
    mail_outbox: str = ""
    mail_sender: str = ""
    ses_region: str = ""
    ses_configuration_set: str = ""
    # A named AWS profile (the staff command's --profile); never set on Lambda, whose role gives the credentials.
    aws_profile: str = ""
    # The private bucket of the staff spreadsheet (reports/spreadsheet.py); empty: no spreadsheet in S3.
    export_bucket: str = ""
    # Only for a local S3-compatible server (tests); None means AWS.
    s3_endpoint: str | None = None
    # Set by the deploy step: CloudFront sends it in a header, so /api answers only requests that came through
    # CloudFront. Empty locally: no check.
    origin_secret: str = ""
    # Emails per second at most: SES's maximum send rate for the account (14 by default in a new region).
    mail_rate: float = 14.0
    # The staff topic (SNS) of the staff alert (delivery/staff_alert.py), set by the deploy step; empty locally: the outbox.
    staff_alert_topic: str = ""
    # The folder of the meetings (meeting/catalogue.py); empty: the facts packaged with the code, else the
    # repository's docs/bijeenkomsten/.
    meetings_dir: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, Any]) -> Settings:
        """The settings an environment (os.environ, or a mapping with the same names) gives."""
        return cls(
            registrations_table=_text(env, "REGISTRATIONS_TABLE"),
            aws_region=_text(env, "AWS_REGION") or _text(env, "AWS_DEFAULT_REGION"),
            token_secret=_text(env, "TOKEN_SECRET"),
            dynamodb_endpoint=_text(env, "DYNAMODB_ENDPOINT") or None,
            preview_now=_text(env, "PREVIEW_NOW") or None,
            on_lambda=bool(_text(env, "AWS_LAMBDA_FUNCTION_NAME")),
            log_level=_text(env, "LOG_LEVEL", "INFO"),
            site_url=_text(env, "SITE_URL").rstrip("/"),
            mail_backend=_text(env, "MAIL_BACKEND", "outbox"),
            mail_outbox=_text(env, "MAIL_OUTBOX"),
            mail_sender=_text(env, "MAIL_SENDER"),
            ses_region=_text(env, "SES_REGION"),
            ses_configuration_set=_text(env, "SES_CONFIGURATION_SET"),
            aws_profile=_text(env, "AWS_PROFILE"),
            export_bucket=_text(env, "EXPORT_BUCKET"),
            s3_endpoint=_text(env, "S3_ENDPOINT") or None,
            origin_secret=_text(env, "ORIGIN_SECRET"),
            mail_rate=_rate(env),
            staff_alert_topic=_text(env, "STAFF_ALERT_TOPIC"),
            meetings_dir=_text(env, "MEETINGS_DIR"),
        )

    def missing(self, *, has_transport: bool = False) -> list[str]:
        """The environment names of the settings this configuration lacks to start."""
        required = {
            "REGISTRATIONS_TABLE": self.registrations_table,
            "AWS_REGION": self.aws_region,
            "TOKEN_SECRET": self.token_secret,
        }
        if self.mail_backend == "ses":
            # In production the emails need a verified sender and absolute links.
            required.update(MAIL_SENDER=self.mail_sender, SITE_URL=self.site_url)
        elif not has_transport:
            required["MAIL_OUTBOX"] = self.mail_outbox
        return [name for name, value in required.items() if not value]

    def check(self, *, has_transport: bool = False) -> None:
        """Raise ConfigError naming what is wrong or missing; `has_transport`: a mail sender is given directly."""
        if self.mail_backend not in MAIL_BACKENDS:
            raise ConfigError(f"MAIL_BACKEND must be one of {', '.join(MAIL_BACKENDS)}, not {self.mail_backend!r}")
        missing = self.missing(has_transport=has_transport)
        if missing:
            raise ConfigError(
                "Missing configuration: " + ", ".join(missing) + ". Set them in the environment "
                "(for a local run, `make run` does this for you)."
            )

    @property
    def from_address(self) -> str:
        return self.mail_sender or LOCAL_MAIL_SENDER


def make_clock(preview_now: str | None, timezone: ZoneInfo, on_lambda: bool = False, *, announce: bool = True) -> Clock:
    """The real clock, or the preview clock of a local run (PREVIEW_NOW), which is frozen at that moment.

    `announce=False` leaves out the "preview clock" line, for a caller that says it its own way (the site build:
    `make run` builds the site and starts the app, and the line is printed once, by the app).
    """
    if not preview_now:
        return lambda: dt.datetime.now(dt.UTC)
    if on_lambda:
        log.warning("PREVIEW_NOW is ignored on Lambda; using the real clock")
        return lambda: dt.datetime.now(dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(preview_now)
    except ValueError as exc:
        raise ConfigError(
            f"PREVIEW_NOW must be an ISO 8601 time such as 2023-05-10T10:00, not {preview_now!r}"
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone)
    if announce:
        log.warning(
            "Preview clock: frozen at %s (PREVIEW_NOW); to move it, restart with another PREVIEW_NOW",
            moment.isoformat(),
        )
    return lambda: moment
