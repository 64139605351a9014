"""The registration function for the VNG network meeting: a Flask app factory in the style of flaskr."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .settings import Clock, ConfigError, Settings

if TYPE_CHECKING:
    from flask import Flask

    from .delivery.deliverer import Deliverer
    from .mail.confirmation import ConfirmationMailer
    from .mail.links import PublicationLike
    from .mail.senders import Sender
    from .meeting import Meeting, Meetings
    from .observability.metrics import Metrics
    from .registration.personal_link import PersonalLinks
    from .repository import RegistrationRepository
    from .web.papers import PaperLocation

__all__ = ["ConfigError", "Settings", "create_app", "create_deliverer"]

MAX_BODY_BYTES = 16 * 1024


def create_app(
    config: Settings | Mapping[str, Any] | None = None,
    *,
    table: Any = None,
    clock: Clock | None = None,
    transport: Sender | None = None,
    on_write: Callable[[], None] | None = None,
    meeting: Meeting | None = None,
    metrics: Metrics | None = None,
    publication: Callable[[], PublicationLike | None] | None = None,
    paper_location: PaperLocation | None = None,
) -> Flask:
    """Wire the app. `config`: Settings, or environment names that override os.environ (a local run, tests).

    The test doubles come in as arguments: `table` (a DynamoDB Table, or a stand-in that fails), `clock` and
    `transport` (a mail sender; the app itself sends nothing, but settings are checked the same way).
    `on_write` is called after every write that owes mail (the local worker's wake-up). `metrics`: where the
    registrations and refusals are counted (observability/metrics.py; none by default, EMF on Lambda: web/wsgi.py).
    `publication` gives the follow-up as published now, and `paper_location` where a published paper is
    (console/s3_files.py: a presigned link in the export bucket, by default when EXPORT_BUCKET is set; a local file
    for `make run`).
    `meeting`: other facts than its folder's (tests of a moved or called-off meeting).
    """
    # Imported here so that importing the package (e.g. for the staff command's --help) stays cheap.
    from flask import Flask

    from .web import api, errors, guards, papers, personal

    parts = _Parts.wire(config, table, clock, transport, meeting)
    app = Flask(__name__, template_folder="web/templates")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    _add_services(app, parts, on_write, metrics, publication, paper_location)
    _template_helpers(app, parts.meeting)
    app.register_blueprint(api.bp)
    app.register_blueprint(personal.bp)
    app.register_blueprint(papers.bp)
    errors.register_error_handlers(app)
    guards.install(app, parts.settings)
    return app


def _add_services(
    app: Flask,
    parts: _Parts,
    on_write: Callable[[], None] | None,
    metrics: Metrics | None,
    publication: Callable[[], PublicationLike | None] | None,
    paper_location: PaperLocation | None,
) -> None:
    """What the blueprints find in app.extensions: the rules of what a person does (registering, the personal page;
    both call `on_write` after a write that owes mail), the mailer, the metrics, the follow-up as published now and
    where its papers are."""
    from .console.s3_files import paper_location_from_settings
    from .observability.metrics import NO_METRICS
    from .registration.inboxes import InboxRecords
    from .registration.personal import PersonalPage
    from .registration.registering import Registering, nothing

    notify = on_write or nothing
    inboxes = InboxRecords(parts.repository, parts.settings.token_secret)
    app.extensions["registrations"] = Registering(parts.meeting, parts.repository, parts.clock, inboxes, notify)
    app.extensions["personal_page"] = PersonalPage(parts.meeting, parts.repository, parts.clock, parts.links, notify)
    app.extensions["mailer"] = parts.mailer
    # Every meeting, for the read-only routes of any meeting (/api/bijeenkomsten/<id>).
    app.extensions["meetings"] = parts.meetings
    app.extensions["metrics"] = metrics or NO_METRICS
    app.extensions["publication"] = publication or _current_publication(parts)
    app.extensions["paper_location"] = paper_location or paper_location_from_settings(parts.settings, parts.meeting.id)


def _template_helpers(app: Flask, meeting: Meeting) -> None:
    """Jinja's name for the meeting in the function's pages, as in the site's, and the helpers its templates use."""
    from .mail.composer import in_sentence
    from .meeting import page_path

    app.context_processor(lambda: {"event": meeting})
    # The meeting's title inside a sentence ("voor de bestuurlijke netwerkbijeenkomst"), as in the emails.
    app.jinja_env.filters["in_sentence"] = in_sentence
    # A meeting's pages on the site (the menu, the links back), as the site's own templates make them.
    app.jinja_env.globals["meeting_path"] = page_path


def create_deliverer(
    config: Settings | Mapping[str, Any] | None = None,
    *,
    table: Any = None,
    clock: Clock | None = None,
    transport: Sender | None = None,
    meeting: Meeting | None = None,
    metrics: Metrics | None = None,
) -> Deliverer:
    """Wire the deliverer (delivery/deliverer.py) from the same settings as the app: every trigger runs this one."""
    from .delivery.channels import Channel, StateChannel
    from .delivery.deliverer import Deliverer
    from .delivery.followup import FollowupChannel
    from .delivery.mailbox_limits import MailboxLimits
    from .delivery.meeting_channels import MeetingChannel, ReminderChannel
    from .mail.meeting_mail import MeetingMailer
    from .mail.rate import RateLimiter
    from .mail.senders import sender_from_settings
    from .observability.metrics import NO_METRICS
    from .registration.inboxes import InboxRecords

    parts = _Parts.wire(config, table, clock, transport, meeting)
    sender = transport or sender_from_settings(parts.settings)
    limits = MailboxLimits(parts.repository, parts.settings.token_secret)
    inboxes = InboxRecords(parts.repository, parts.settings.token_secret)
    meeting_mailer = MeetingMailer(parts.meeting, parts.links, parts.settings.from_address, parts.settings.site_url)
    # In this order: a changed meeting before the follow-up, so a change email can carry a new Teams link (one
    # email, not two); reminders after both, so what someone just got keeps a reminder from repeating it.
    channels: list[Channel] = [
        StateChannel(parts.mailer),
        MeetingChannel(parts.meeting, parts.repository, meeting_mailer),
        FollowupChannel(parts.mailer),
        ReminderChannel(parts.meeting, meeting_mailer),
    ]
    pace = RateLimiter(parts.settings.mail_rate).wait
    return Deliverer(
        parts.meeting, parts.repository, channels, sender, limits, inboxes, parts.clock, pace, metrics or NO_METRICS
    )


def _current_publication(parts: _Parts) -> Callable[[], PublicationLike | None]:
    """The follow-up as published now (delivery/publication.py), read when a page or a paper asks for it."""
    from .delivery import publication

    return lambda: publication.current(parts.repository, parts.meeting.id)


@dataclass(frozen=True)
class _Parts:
    """What the app and the deliverer share."""

    settings: Settings
    meeting: Meeting
    meetings: Meetings
    repository: RegistrationRepository
    clock: Clock
    links: PersonalLinks
    mailer: ConfirmationMailer

    @classmethod
    def wire(
        cls,
        config: Settings | Mapping[str, Any] | None,
        table: Any,
        clock: Clock | None,
        transport: Sender | None,
        meeting: Meeting | None = None,
    ) -> _Parts:
        from .mail.confirmation import ConfirmationMailer
        from .meeting import default_meetings
        from .observability.logs import bind_meeting
        from .registration.personal_link import PersonalLinks
        from .repository import LazyTable, RegistrationRepository
        from .settings import make_clock

        settings = config if isinstance(config, Settings) else Settings.from_env({**os.environ, **(config or {})})
        settings.check(has_transport=transport is not None)
        logging.getLogger("registrations").setLevel(settings.log_level)
        # Every meeting's folder is read (and checked) at every start: bad facts stop the function here
        # (MeetingFileError). The one meeting of the old addresses is served by /api/event and registered for.
        meetings = default_meetings({"MEETINGS_DIR": settings.meetings_dir})
        meeting = meeting or meetings.letter_meeting
        meetings = meetings.with_meeting(meeting)
        bind_meeting(meeting.id)  # the meeting's id on every JSON log line
        repository = RegistrationRepository(
            table or LazyTable(settings.aws_region, settings.registrations_table, settings.dynamodb_endpoint)
        )
        links = PersonalLinks(settings.token_secret, meeting)
        mailer = ConfirmationMailer(
            meeting=meeting, links=links, from_address=settings.from_address, site_url=settings.site_url
        )
        return cls(
            settings,
            meeting,
            meetings,
            repository,
            clock or make_clock(settings.preview_now, meeting.timezone, on_lambda=settings.on_lambda),
            links,
            mailer,
        )
