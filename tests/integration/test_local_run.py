"""`make run` as a newcomer meets it (registrations.dev.run.main, in a process of its own): each line once, no
credential chatter, and a second run of the same checkout stops at once with one clear line."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from registrations.local.dynalite import ENDPOINT_FILE_NAME, PROJECT_ROOT, free_port
from tests.conftest import OPEN_MOMENT

# main() with a data folder and a site folder of the test's own, so a developer's own `make run` is left alone.
RUN = (
    "import sys; from pathlib import Path; from registrations.dev.run import main; "
    "sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))"
)
STARTED = "Site and API:"


class Run:
    """main() in a process of its own, its output read line by line as it comes."""

    def __init__(self, data_dir: Path, site_dir: Path, port: int) -> None:
        env = {**os.environ, "PORT": str(port), "PREVIEW_NOW": OPEN_MOMENT}
        self.process = subprocess.Popen(
            [sys.executable, "-c", RUN, str(data_dir), str(site_dir)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def lines_until(self, marker: str, timeout: float = 90) -> list[str]:
        """The output lines up to and including the first that holds `marker` (all, if the process ends first)."""
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=deadline - time.monotonic())
            except queue.Empty:
                break
            if line is None:
                return seen
            seen.append(line)
            if marker in line:
                return seen
        raise AssertionError(f"no {marker!r} within {timeout} s; output so far: {seen}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(timeout=5)
        assert self.process.stdout is not None
        self.process.stdout.close()


@pytest.fixture
def started(tmp_path):
    """A first `make run`, started and listening: (its Run, data folder, port, output); stopped at the end."""
    data_dir, port = tmp_path / "data", free_port()
    run = Run(data_dir, tmp_path / "site", port)
    try:
        output = run.lines_until(STARTED)
        assert run.process.poll() is None, output
        yield run, data_dir, port, output
    finally:
        run.stop()


@pytest.fixture
def running(started):
    _, data_dir, port, output = started
    return data_dir, port, output


def test_the_first_run_says_each_thing_once_and_nothing_about_credentials(running):
    _, port, output = running
    assert output[-1].startswith(f"{STARTED} http://127.0.0.1:{port}")
    assert not [line for line in output if "credentials" in line.lower()], output
    assert len(output) == len(set(output)), output
    # The preview clock is announced once, with how to move it
    [preview] = [line for line in output if "PREVIEW_NOW" in line]
    assert "frozen at 2023-05-10T10:00:00+02:00" in preview and "restart with another PREVIEW_NOW" in preview


def test_a_second_run_of_the_same_checkout_stops_at_once_with_one_line(running, tmp_path):
    data_dir, port, _ = running
    began = time.monotonic()
    second = subprocess.run(
        [sys.executable, "-c", RUN, str(data_dir), str(tmp_path / "site2")],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PORT": str(free_port())},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert time.monotonic() - began < 10
    assert second.returncode != 0
    assert second.stdout == ""
    assert second.stderr.splitlines() == [
        f"make run is already running in this checkout (site on http://127.0.0.1:{port}): use that one, or stop it "
        "with Ctrl-C first."
    ]


def test_a_port_taken_by_another_program_is_said_in_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-c", RUN, str(tmp_path / "data"), str(tmp_path / "site")],
            cwd=PROJECT_ROOT,
            env={**os.environ, "PORT": str(port)},
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode != 0
    assert result.stderr.splitlines() == [
        f"Port {port} is in use by another program: start with another port, e.g. make run PORT={port + 1}"
    ]


def test_when_dynalite_dies_make_run_starts_it_again_and_registering_works(started, valid_form):
    run, data_dir, port, _ = started
    dynalite_pid = int(json.loads((data_dir / ENDPOINT_FILE_NAME).read_text())["pid"])
    # When the local database dies under the running `make run`
    os.kill(dynalite_pid, signal.SIGKILL)
    # Then make run says so and starts it again ...
    lines = run.lines_until("dynalite is running again", timeout=30)
    assert any("stopped unexpectedly" in line for line in lines), lines
    # ... and a registration is stored, not answered 503
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/registrations",
        method="POST",
        data=json.dumps(valid_form).encode(),
        headers={"Content-Type": "application/json", "Sec-Fetch-Site": "same-origin"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the local run
        assert response.status == 201
