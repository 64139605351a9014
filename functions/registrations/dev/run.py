"""`make run` (`python -m registrations.dev`): dynalite, the table, the built site and /api on one origin.

The pieces are in local.py, which the tests use too; this module adds what only the interactive run needs: one
run per checkout (a lock), a clear line when the port is taken, and output that says each thing once.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ..local.dynalite import (
    DATA_DIR,
    ENDPOINT_FILE_NAME,
    PROJECT_ROOT,
    Dynalite,
    local_config,
    prepare_table,
    use_local_credentials,
)
from ..local.owner_only import private_folder
from ..web import access_log
from .local import app_with_worker, build_site, site_and_api
from .server import local_server
from .watch import DynaliteWatch

if TYPE_CHECKING:
    from ..meeting import Meeting

log = logging.getLogger("registrations.dev.run")

# Held (flock) by the running `make run` of this checkout; it holds the port of its site.
RUN_LOCK_NAME = "run.lock"


class AlreadyRunning(Exception):
    """Another `make run` of this checkout holds the lock (its dynalite owns the data folder)."""

    def __init__(self, port: str) -> None:
        where = f" (site on http://127.0.0.1:{port})" if port else ""
        super().__init__(
            f"make run is already running in this checkout{where}: use that one, or stop it with Ctrl-C first."
        )


@contextlib.contextmanager
def run_lock(data_dir: Path, port: int) -> Iterator[None]:
    """One `make run` per checkout: LevelDB lets one dynalite open the data folder, and a second one would only
    fail later with a screen of connection errors. The kernel drops the lock when the process ends, however."""
    # .data holds dynalite's data, the outbox and the token secret: only its owner may enter it.
    private_folder(data_dir)
    handle: TextIO
    with open(data_dir / RUN_LOCK_NAME, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise AlreadyRunning(handle.read().strip()) from None
        handle.truncate(0)
        handle.write(str(port))
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        # As waitress binds: a port left in TIME_WAIT by a run that just stopped is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def quiet_libraries() -> None:
    # botocore says "Found credentials in environment variables." at INFO on every start: they are the dummy
    # ones of use_local_credentials, and a newcomer need not read about them.
    logging.getLogger("botocore.credentials").setLevel(logging.WARNING)


def main(data_dir: Path = DATA_DIR, site_dir: Path = PROJECT_ROOT / "site") -> int:
    """`make run`. Every line is said once; a second run of the same checkout stops at once with one line."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    quiet_libraries()
    # waitress names the path when a client disconnects mid-request: never the personal link's token.
    access_log.install_local()
    port = int(os.environ.get("PORT", "8000"))
    try:
        with run_lock(data_dir, port):
            if port_in_use(port):
                print(
                    f"Port {port} is in use by another program: start with another port, e.g. make run PORT={port + 1}",
                    file=sys.stderr,
                )
                return 1
            return serve(data_dir, site_dir, port)
    except AlreadyRunning as exc:
        print(exc, file=sys.stderr)
        return 1


def serve(data_dir: Path, site_dir: Path, port: int) -> int:
    use_local_credentials()
    store_dir = data_dir / "dynalite"
    with Dynalite(data_dir=store_dir, endpoint_file=data_dir / ENDPOINT_FILE_NAME) as dynalite:
        config = local_config(dynalite, data_dir=data_dir, port=port)
        prepare_table(config)
        log.info("dynalite: %s (data in %s)", dynalite.endpoint, _shown(store_dir))
        announced = announce_meeting_changes(config)
        if announced:
            log.info("%s", announced)
        build_site(site_dir)
        # The local deliverer runs beside the app, woken after each write (on AWS: the stream and the sweep).
        api, worker = app_with_worker(config)
        server = local_server(site_and_api(site_dir, api), port)
        log.info(
            "Emails (confirmations with the personal link) are written as .eml files to: %s", config["MAIL_OUTBOX"]
        )
        log.info("Site and API: http://127.0.0.1:%d  (Ctrl-C stops everything)", port)

        def stop(*_: object) -> None:
            server.close()
            raise KeyboardInterrupt

        gave_up: list[str] = []

        def give_up(message: str) -> None:
            # From the watch's thread: say why, then stop as Ctrl-C would (the handler runs in the main thread).
            gave_up.append(message)
            print(message, file=sys.stderr, flush=True)
            os.kill(os.getpid(), signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        watch = DynaliteWatch(dynalite, give_up).start()
        try:
            server.run()
        except KeyboardInterrupt:
            log.info("stopping")
        finally:
            watch.stop()
            server.close()
            worker.stop()
    return 1 if gave_up else 0


def announce_meeting_changes(config: dict[str, Any], meeting: Meeting | None = None) -> str:
    """`make run` at its start: a change of the meeting's facts in bijeenkomst.toml is announced at once (on AWS the
    deploy step asks first, deploy/announce.py), so the local deliverer mails it. The line to print says what
    happened."""
    from ..delivery.meeting_changes import announce, plan
    from ..meeting import load_meeting
    from ..repository import RegistrationRepository, dynamodb_resource
    from ..settings import Settings, make_clock

    settings = Settings.from_env({**os.environ, **config})
    meeting = meeting or load_meeting()
    repository = RegistrationRepository(
        dynamodb_resource(settings.aws_region, settings.dynamodb_endpoint).Table(settings.registrations_table)
    )
    found = plan(repository, meeting)
    if not found.needed:
        return ""
    done = announce(repository, meeting, found, make_clock(settings.preview_now, meeting.timezone, announce=False)())
    state = (
        "called off"
        if found.new.cancelled
        else f"{found.new.date} {found.new.start}-{found.new.end}, {found.new.place}"
    )
    return (
        f"The meeting's facts changed ({found.old.date} {found.old.start}-{found.old.end} -> {state}): announced as "
        f"version {done.version}; {found.reach} registrant(s) will get an email"
    )


def _shown(path: Path) -> str:
    """A path as short as it can be said: relative to the checkout when it is inside it."""
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
