"""The registration function for VNG's network meetings: a Flask app factory in the style of flaskr.

One function serves every meeting of the catalogue (meeting/catalogue.py): what a meeting needs of its own (its rules
of registering, its personal page, its mailers, its deliverer) is built when a request or a record is first for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .settings import Clock, ConfigError, Settings

if TYPE_CHECKING:
    from flask import Flask

    from .delivery.deliverer import Deliverer
    from .delivery.deliverers import Deliverers
    from .mail.links import PublicationLike
    from .mail.senders import Sender
    from .meeting import Meeting, Meetings
    from .observability.metrics import Metrics
    from .web.papers import PaperLocation
    from .web.services import MeetingServices
    from .wiring import Shared

__all__ = ["ConfigError", "Settings", "create_app", "create_deliverer", "create_deliverers"]

MAX_BODY_BYTES = 16 * 1024


def create_app(
    config: Settings | Mapping[str, Any] | None = None,
    *,
    table: Any = None,
    clock: Clock | None = None,
    transport: Sender | None = None,
    on_write: Callable[[], None] | None = None,
    meeting: Meeting | None = None,
    meetings: Meetings | None = None,
    metrics: Metrics | None = None,
    publication: Callable[[], PublicationLike | None] | None = None,
    paper_location: PaperLocation | None = None,
    paper_locations: Callable[[str], PaperLocation | None] | None = None,
) -> Flask:
    """Wire the app. `config`: Settings, or environment names that override os.environ (a local run, tests).

    The test doubles come in as arguments: `table` (a DynamoDB Table, or a stand-in that fails), `clock` and
    `transport` (a mail sender; the app itself sends nothing, but settings are checked the same way).
    `on_write` is called after every write that owes mail (the local worker's wake-up). `metrics`: where the
    registrations and refusals are counted (observability/metrics.py; none by default, EMF on Lambda: web/wsgi.py).
    `publication` gives the letter meeting's follow-up as published now (a stand-in, or the local console flow's;
    every other meeting reads its own from the table), and `paper_location` where a published paper of the letter
    meeting is (console/s3_files.py: a presigned link into the meeting's folder of the export bucket, by default when
    EXPORT_BUCKET is set; a local file
    for `make run`); `paper_locations` the same for any meeting, by its id (`make run`: its folder).
    `meetings`: another catalogue than MEETINGS_DIR's; `meeting`: other facts than its folder's, in place of that
    meeting in the catalogue (tests of a moved or called-off meeting).
    """
    # Imported here so that importing the package (e.g. for the staff command's --help) stays cheap.
    from flask import Flask

    from .web import api, errors, guards, papers, personal, services
    from .wiring import Shared

    shared = Shared.wire(config, table, clock, transport, meeting, meetings)
    app = Flask(__name__, template_folder="web/templates")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    _add_services(app, shared, on_write, metrics, publication, paper_location, paper_locations)
    # Jinja's name for the request's meeting in the function's pages (`event`), as in the site's.
    services.install(app)
    _template_helpers(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(personal.bp)
    app.register_blueprint(papers.bp)
    errors.register_error_handlers(app)
    guards.install(app, shared.settings)
    return app


def _add_services(
    app: Flask,
    shared: Shared,
    on_write: Callable[[], None] | None,
    metrics: Metrics | None,
    publication: Callable[[], PublicationLike | None] | None,
    paper_location: PaperLocation | None,
    paper_locations: Callable[[str], PaperLocation | None] | None,
) -> None:
    """What the blueprints find in app.extensions: every meeting's services (web/services.py: the rules of what a
    person does, which call `on_write` after a write that owes mail; the mailer; the follow-up as published now),
    the catalogue, the metrics and where the papers are. `registrations`, `personal_page` and `mailer` are the
    letter meeting's, which /api/event serves."""
    from .observability.metrics import NO_METRICS
    from .registration.registering import nothing
    from .web.services import Services

    letter_id = shared.meetings.letter_meeting.id
    notify = on_write or nothing

    def build(meeting: Meeting) -> MeetingServices:
        given = publication if meeting.id == letter_id else None
        return _meeting_services(shared, meeting, notify, given)

    services = Services(shared.meetings, build, shared.settings.token_secret)
    app.extensions["meetings"] = shared.meetings
    app.extensions["services"] = services
    app.extensions["registrations"] = services.letter.registering
    app.extensions["personal_page"] = services.letter.personal_page
    app.extensions["mailer"] = services.letter.mailer
    app.extensions["metrics"] = metrics or NO_METRICS
    app.extensions["paper_locations"] = _paper_locations(shared.settings, letter_id, paper_location, paper_locations)


def _paper_locations(
    settings: Settings,
    letter_id: str,
    given: PaperLocation | None,
    per_meeting: Callable[[str], PaperLocation | None] | None,
) -> Callable[[str], PaperLocation | None]:
    """Where a meeting's published papers are: `given` for the letter meeting (a test's, or make run's), else
    `per_meeting`, else a presigned link into that meeting's folder of the export bucket (made once per meeting)."""
    from .console.s3_files import paper_location_from_settings

    made: dict[str, PaperLocation | None] = {}

    def locate(meeting_id: str) -> PaperLocation | None:
        if meeting_id == letter_id and given is not None:
            return given
        if meeting_id not in made:
            made[meeting_id] = (
                per_meeting(meeting_id) if per_meeting else paper_location_from_settings(settings, meeting_id)
            )
        return made[meeting_id]

    return locate


def _template_helpers(app: Flask) -> None:
    """The helpers the function's templates use, as the site's own templates have them."""
    from .mail.composer import in_sentence
    from .meeting import page_path

    # The meeting's title inside a sentence ("voor de bestuurlijke netwerkbijeenkomst"), as in the emails.
    app.jinja_env.filters["in_sentence"] = in_sentence
    # A meeting's pages on the site (the menu, the links back).
    app.jinja_env.globals["meeting_path"] = page_path


def _meeting_services(
    shared: Shared,
    meeting: Meeting,
    notify: Callable[[], None],
    publication: Callable[[], PublicationLike | None] | None,
) -> MeetingServices:
    from .delivery import publication as published
    from .registration.inboxes import InboxRecords
    from .registration.personal import PersonalPage
    from .registration.registering import Registering
    from .web.services import MeetingServices

    parts = shared.parts.of(meeting)
    inboxes = InboxRecords(shared.repository, shared.settings.token_secret)
    return MeetingServices(
        meeting=meeting,
        registering=Registering(meeting, shared.repository, shared.clock, inboxes, notify),
        personal_page=PersonalPage(meeting, shared.repository, shared.clock, parts.links, notify),
        mailer=parts.mailer,
        publication=publication or (lambda: published.current(shared.repository, meeting.id)),
    )


def create_deliverers(
    config: Settings | Mapping[str, Any] | None = None,
    *,
    table: Any = None,
    clock: Clock | None = None,
    transport: Sender | None = None,
    meeting: Meeting | None = None,
    meetings: Meetings | None = None,
    metrics: Metrics | None = None,
) -> Deliverers:
    """Every meeting's deliverer (delivery/deliverers.py), from the same settings as the app: every trigger runs
    these. They share the table, the sender and one send rate (SES's limit is the account's)."""
    from .delivery.deliverers import Deliverers
    from .mail.rate import RateLimiter
    from .mail.senders import sender_from_settings
    from .observability.metrics import NO_METRICS
    from .wiring import Shared

    shared = Shared.wire(config, table, clock, transport, meeting, meetings)
    sender = transport or sender_from_settings(shared.settings)
    pace = RateLimiter(shared.settings.mail_rate).wait
    chosen_metrics = metrics or NO_METRICS
    return Deliverers(shared.meetings, lambda m: _deliverer(shared, m, sender, pace, chosen_metrics), shared.clock)


def create_deliverer(
    config: Settings | Mapping[str, Any] | None = None,
    *,
    table: Any = None,
    clock: Clock | None = None,
    transport: Sender | None = None,
    meeting: Meeting | None = None,
    metrics: Metrics | None = None,
) -> Deliverer:
    """One meeting's deliverer (delivery/deliverer.py): the letter meeting's, or that of `meeting` (other facts than
    its folder's)."""
    deliverers = create_deliverers(
        config, table=table, clock=clock, transport=transport, meeting=meeting, metrics=metrics
    )
    return deliverers.deliverer_of(meeting) if meeting is not None else deliverers.letter


def _deliverer(
    shared: Shared, meeting: Meeting, sender: Sender, pace: Callable[[], None], metrics: Metrics
) -> Deliverer:
    from .delivery.channels import Channel, StateChannel
    from .delivery.deliverer import Deliverer
    from .delivery.followup import FollowupChannel
    from .delivery.mailbox_limits import MailboxLimits
    from .delivery.meeting_channels import MeetingChannel, ReminderChannel
    from .mail.meeting_mail import MeetingMailer
    from .registration.inboxes import InboxRecords

    settings, repository = shared.settings, shared.repository
    parts = shared.parts.of(meeting)
    limits = MailboxLimits(repository, settings.token_secret)
    inboxes = InboxRecords(repository, settings.token_secret)
    meeting_mailer = MeetingMailer(meeting, parts.links, settings.from_address, settings.site_url)
    # In this order: a changed meeting before the follow-up, so a change email can carry a new Teams link (one
    # email, not two); reminders after both, so what someone just got keeps a reminder from repeating it.
    channels: list[Channel] = [
        StateChannel(parts.mailer),
        MeetingChannel(meeting, repository, meeting_mailer),
        FollowupChannel(parts.mailer),
        ReminderChannel(meeting, meeting_mailer),
    ]
    return Deliverer(meeting, repository, channels, sender, limits, inboxes, shared.clock, pace, metrics)
