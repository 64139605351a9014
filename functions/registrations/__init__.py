"""The registration function for the VNG network meeting: a Flask app factory in the style of flaskr."""

from __future__ import annotations

import datetime as dt
import logging
import os
from typing import Any, Callable, Mapping

from flask import Flask

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 16 * 1024


class ConfigError(RuntimeError):
    """The environment does not say enough to start; the message says what to set."""


def settings_from_env(env: Mapping[str, str]) -> dict[str, Any]:
    """Read the configuration from the environment, once, in the factory."""
    return {
        "REGISTRATIONS_TABLE": env.get("REGISTRATIONS_TABLE", ""),
        "AWS_REGION": env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION", ""),
        "DYNAMODB_ENDPOINT": env.get("DYNAMODB_ENDPOINT") or None,
        "PREVIEW_NOW": env.get("PREVIEW_NOW") or None,
        "ON_LAMBDA": bool(env.get("AWS_LAMBDA_FUNCTION_NAME")),
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO"),
        # The public address of the site, for links in emails (no trailing slash).
        "SITE_URL": env.get("SITE_URL", "").rstrip("/"),
        # Signs the personal management links; never committed (see README, Deploying).
        "TOKEN_SECRET": env.get("TOKEN_SECRET", ""),
        # "outbox" writes .eml files into MAIL_OUTBOX (local); "ses" sends with Amazon SES.
        "MAIL_BACKEND": env.get("MAIL_BACKEND", "outbox"),
        "MAIL_OUTBOX": env.get("MAIL_OUTBOX", ""),
        "MAIL_SENDER": env.get("MAIL_SENDER", ""),
        "SES_REGION": env.get("SES_REGION", ""),
        "SES_CONFIGURATION_SET": env.get("SES_CONFIGURATION_SET", ""),
    }


MAIL_BACKENDS = ("outbox", "ses")
# The From address of a local run when none is configured; the outbox delivers nothing, so any address will do.
LOCAL_MAIL_SENDER = "VNG netwerkbijeenkomst <netwerkbijeenkomst@vng.example>"


def missing_settings(config: Mapping[str, Any]) -> list[str]:
    """The names of the settings the configuration lacks to start."""
    missing = [key for key in ("REGISTRATIONS_TABLE", "AWS_REGION", "TOKEN_SECRET") if not config.get(key)]
    if config.get("MAIL_BACKEND") == "ses":
        # In production the emails need a verified sender and absolute links.
        missing += [key for key in ("MAIL_SENDER", "SITE_URL") if not config.get(key)]
    elif not config.get("MAIL_OUTBOX") and not config.get("MAIL_TRANSPORT"):
        missing.append("MAIL_OUTBOX")
    return missing


def make_clock(config: Mapping[str, Any], timezone) -> Callable[[], dt.datetime]:
    """The real clock, or the preview clock of a local run (PREVIEW_NOW), which is frozen at that moment."""
    preview = config.get("PREVIEW_NOW")
    if not preview:
        return lambda: dt.datetime.now(dt.timezone.utc)
    if config.get("ON_LAMBDA"):
        log.warning("PREVIEW_NOW is ignored on Lambda; using the real clock")
        return lambda: dt.datetime.now(dt.timezone.utc)
    try:
        moment = dt.datetime.fromisoformat(preview)
    except ValueError as exc:
        raise ConfigError(f"PREVIEW_NOW must be an ISO 8601 time such as 2023-05-10T10:00, not {preview!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone)
    log.warning("preview clock: behaving as at %s", moment.isoformat())
    return lambda: moment


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    # Imported here so that importing the package (e.g. for the CLI's --help) stays cheap.
    from .web import api, errors, personal
    from .mail.confirmation import ConfirmationMailer
    from .event import load_event
    from .mail.senders import sender_from_config
    from .repository import LazyTable, RegistrationRepository
    from .service import RegistrationService
    from .links import ManageLinks

    app = Flask(__name__, template_folder="web/templates")
    app.config.from_mapping(settings_from_env(os.environ))
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    if app.config.get("MAIL_BACKEND") not in MAIL_BACKENDS:
        raise ConfigError(f"MAIL_BACKEND must be one of {', '.join(MAIL_BACKENDS)}, not {app.config.get('MAIL_BACKEND')!r}")
    missing = missing_settings(app.config)
    if missing:
        raise ConfigError(
            "Missing configuration: " + ", ".join(missing) + ". Set them in the environment "
            "(for a local run, `make run` does this for you)."
        )
    logging.getLogger("registrations").setLevel(app.config["LOG_LEVEL"])

    event = load_event()
    table = app.config.get("TABLE") or LazyTable(
        app.config["AWS_REGION"], app.config["REGISTRATIONS_TABLE"], app.config["DYNAMODB_ENDPOINT"]
    )
    clock = app.config.get("CLOCK") or make_clock(app.config, event.timezone)
    links = ManageLinks(app.config["TOKEN_SECRET"], event)
    # MAIL_TRANSPORT: a ready Sender, for tests that need one that fails.
    mailer = ConfirmationMailer(
        event=event,
        sender=app.config.get("MAIL_TRANSPORT") or sender_from_config(app.config),
        links=links,
        from_address=app.config["MAIL_SENDER"] or LOCAL_MAIL_SENDER,
        site_url=app.config["SITE_URL"],
    )
    app.extensions["registrations"] = RegistrationService(event, RegistrationRepository(table), clock, mailer, links)

    app.context_processor(lambda: {"event": event})
    app.register_blueprint(api.bp)
    app.register_blueprint(personal.bp)
    errors.register_error_handlers(app)
    return app
