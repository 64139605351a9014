"""send-followup once its options are read: the content and mail settings from the options, the report of the
plan, and the dry run or the mailing itself (done by registrations.followup), stoppable with Ctrl-C.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import signal
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO, Any

from ..event import Event
from ..followup import FollowupMailing, Plan, build_message, is_stale
from ..followup_content import FollowupContent
from ..followup_records import FollowupRecords
from ..mail.rate import RateLimiter
from ..mail.senders import Sender
from ..repository import RegistrationRepository
from ..summary import dutch_number
from . import EXIT_ATTENTION, EXIT_OK, UsageError, output


@dataclass(frozen=True)
class Sending:
    """What one run sends, and how."""

    event: Event
    content: FollowupContent
    mail: Mapping[str, Any]  # the store's settings with the mail options on top (see mail_settings)
    dry_run: bool
    rate: float  # messages per second at most
    unconfirmed: str  # one of followup.UNCONFIRMED_CHOICES


def followup_content(
    teams_link: str | None, papers: Sequence[tuple[str, str]], content_file: Path | None
) -> FollowupContent:
    """The Teams link and papers given as options; what they leave out comes from the content file."""
    if content_file is not None:
        from_file = FollowupContent.from_file(content_file)
        teams_link = teams_link or from_file.teams_link
        papers = papers or [(p.title, p.url) for p in from_file.papers]
    return FollowupContent.build(teams_link, papers)


def mail_settings(
    config: Mapping[str, Any], backend: str | None, outbox: Path | None, sender: str | None
) -> dict[str, Any]:
    """The store's settings with the mail options on top, checked before anything is read or sent."""
    mail = dict(config)
    if backend:
        mail["MAIL_BACKEND"] = backend
    if outbox:
        mail["MAIL_OUTBOX"] = str(outbox)
    if sender:
        mail["MAIL_SENDER"] = sender
    if mail.get("MAIL_BACKEND", "outbox") not in ("outbox", "ses"):
        raise UsageError("MAIL_BACKEND moet outbox of ses zijn.")
    if not mail.get("MAIL_SENDER"):
        raise UsageError(
            "Geef de afzender op: --from 'VNG <adres@vng.nl>' (of MAIL_SENDER), een adres dat in SES is geverifieerd."
        )
    return mail


def send(
    how: Sending,
    plan: Plan,
    repository: RegistrationRepository,
    new_sender: Callable[[], Sender],
    progress: output.Progress,
    stdout: IO[str],
    stderr: IO[str],
    clock: Callable[[], dt.datetime],
    confirm: Callable[[Sequence[str]], bool],
) -> int:
    """Report the plan, then show the message (dry run), or ask (`confirm`) and send it; the exit code says if
    anything needs a look."""
    now = clock()
    lines = output.plan_lines(plan, how.dry_run) + output.unconfirmed_lines(plan, now, how.unconfirmed, how.dry_run)
    if how.dry_run:
        stdout.write("\n".join(lines) + "\n")
        example = plan.to_send[0] if plan.to_send else output.EXAMPLE_REGISTRANT
        message = build_message(how.event, example, how.content, how.mail["MAIL_SENDER"], now)
        stdout.write("\n".join(output.dry_run_lines(plan, message)) + "\n")
        return EXIT_OK

    # Unconfirmed sends this run leaves as they are: all of them when only reporting, else the fresh ones.
    left = [i for i in plan.unconfirmed if how.unconfirmed == "report" or not is_stale(i, now)]
    if not plan.to_send and len(left) == len(plan.unconfirmed):
        lines.append("\nEr is niemand die de vervolgmail nog moet krijgen.")
        stdout.write("\n".join(lines) + "\n")
        return EXIT_ATTENTION if left else EXIT_OK

    ses = how.mail.get("MAIL_BACKEND", "outbox") == "ses"
    via = "Amazon SES" if ses else f"de outbox-map {how.mail['MAIL_OUTBOX']}"
    lines.append(f"\nVersturen via {via}, met hoogstens {how.rate:g} berichten per seconde.")
    stdout.write("\n".join(lines) + "\n")
    if not confirm(question_lines(how, plan, now)):
        stdout.write("Er is niets verstuurd en niets vastgelegd.\n")
        return EXIT_OK
    stdout.flush()
    stop = StopSwitch()
    mailing = FollowupMailing(
        how.event,
        FollowupRecords(repository),
        new_sender(),
        how.content,
        how.mail["MAIL_SENDER"],
        clock,
        RateLimiter(how.rate),
        report=progress.update,
        stop_requested=stop,
    )
    with stop.on_ctrl_c(stderr):
        outcome = mailing.run(plan, unconfirmed=how.unconfirmed)
    progress.clear()
    stdout.write(output.outcome_text(outcome, left))
    return EXIT_ATTENTION if outcome.needs_attention or left else EXIT_OK


def question_lines(how: Sending, plan: Plan, now: dt.datetime) -> list[str]:
    """What the staff member agrees to: how many people get which message (and what is only recorded)."""
    stale = [i for i in plan.unconfirmed if is_stale(i, now)]
    recipients = len(plan.to_send) + (len(stale) if how.unconfirmed == "resend" else 0)
    example = plan.to_send[0] if plan.to_send else output.EXAMPLE_REGISTRANT
    subject = build_message(how.event, example, how.content, how.mail["MAIL_SENDER"], now)["Subject"]
    lines = ["", f"Ontvangers: {dutch_number(recipients)}", f"Onderwerp: {subject}"]
    if how.unconfirmed == "mark-sent" and stale:
        lines.append(f"Als verstuurd vastleggen, zonder mail: {dutch_number(len(stale))}")
    return lines


class StopSwitch:
    """Ctrl-C finishes the message being sent and records it before stopping; a second Ctrl-C stops at once.

    The mailing calls it before each message to ask whether to stop.
    """

    def __init__(self) -> None:
        self.requested = False

    def __call__(self) -> bool:
        return self.requested

    @contextlib.contextmanager
    def on_ctrl_c(self, stderr: IO[str]) -> Iterator[None]:
        def handler(signum: int, frame: FrameType | None) -> None:
            if self.requested:
                raise KeyboardInterrupt
            self.requested = True
            stderr.write("\nStoppen na het bericht dat nu wordt verstuurd (nog een keer Ctrl-C: direct stoppen).\n")

        try:
            previous = signal.signal(signal.SIGINT, handler)
        except ValueError:  # not the main thread: Ctrl-C keeps its usual meaning
            yield
            return
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)
