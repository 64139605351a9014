"""The registration function for the VNG network meeting: a Flask app factory in the style of flaskr."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .settings import Clock, ConfigError, Settings

if TYPE_CHECKING:
    from flask import Flask

    from .mail.senders import Sender

__all__ = ["ConfigError", "Settings", "create_app"]

MAX_BODY_BYTES = 16 * 1024


def create_app(config: Settings | Mapping[str, Any] | None = None, *, table: Any = None, clock: Clock | None = None,
               transport: Sender | None = None) -> Flask:
    """Wire the app. `config`: Settings, or environment names that override os.environ (a local run, tests).

    The test doubles come in as arguments: `table` (a DynamoDB Table, or a stand-in that fails), `clock` and
    `transport` (a mail sender).
    """
    # Imported here so that importing the package (e.g. for the staff command's --help) stays cheap.
    from flask import Flask

    from .event import load_event
    from .links import ManageLinks
    from .mail.composer import in_sentence
    from .mail.confirmation import ConfirmationMailer
    from .mail.senders import sender_from_settings
    from .registering import Registering
    from .repository import LazyTable, RegistrationRepository
    from .self_service import SelfService
    from .settings import make_clock
    from .web import api, errors, guards, personal

    settings = config if isinstance(config, Settings) else Settings.from_env({**os.environ, **(config or {})})
    settings.check(has_transport=transport is not None)
    logging.getLogger("registrations").setLevel(settings.log_level)

    event = load_event()
    repository = RegistrationRepository(
        table or LazyTable(settings.aws_region, settings.registrations_table, settings.dynamodb_endpoint)
    )
    clock = clock or make_clock(settings.preview_now, event.timezone, on_lambda=settings.on_lambda)
    links = ManageLinks(settings.token_secret, event)
    mailer = ConfirmationMailer(
        event=event,
        sender=transport or sender_from_settings(settings),
        links=links,
        from_address=settings.from_address,
        site_url=settings.site_url,
    )

    app = Flask(__name__, template_folder="web/templates")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["registrations"] = Registering(event, repository, clock, mailer)
    app.extensions["self_service"] = SelfService(event, repository, clock, links)
    app.context_processor(lambda: {"event": event})
    # The event's title inside a sentence ("voor de bestuurlijke netwerkbijeenkomst"), as in the emails.
    app.jinja_env.filters["in_sentence"] = in_sentence
    app.register_blueprint(api.bp)
    app.register_blueprint(personal.bp)
    errors.register_error_handlers(app)
    guards.install(app, settings)
    return app
