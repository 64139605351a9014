"""The install route for staff (handbook/beheer.md, chapter 1): the wheel of `make wheel`, installed with one `pip install`
into a clean venv, runs with no Node, make or repository in sight.

Offline and fast: the test does not download the dependencies. It links the runtime dependencies that the .venv
already has (Flask, boto3, openpyxl, email-validator and what they need, found from the package's own metadata)
into one folder, and puts that folder on the clean venv's path with a .pth file. pip then finds them installed,
so the one `pip install <wheel>` resolves the wheel's requirements against them exactly as it would against
downloaded copies (and refuses if a pin did not match), and installs only the wheel itself; `pip check` confirms.
"""

from __future__ import annotations

import importlib.metadata as metadata
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from deploy.wheel import build

from .staff_support import put_items, registration

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="symlinks and bin/ paths")


def runtime_distributions(name: str = "vng-registrations") -> set[str]:
    """The distributions the package needs at run time (no extras), transitively, by their metadata."""
    wanted, todo = set(), [name]
    while todo:
        for text in metadata.requires(todo.pop()) or []:
            requirement = Requirement(text)
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
            key = requirement.name.lower()
            if key not in wanted:
                wanted.add(key)
                todo.append(key)
    return wanted


def link_installed(names: set[str], folder: Path) -> None:
    """Each distribution's top-level files and its .dist-info, linked from the .venv into `folder`."""
    folder.mkdir()
    for name in names:
        dist = metadata.distribution(name)
        root = Path(dist.locate_file(""))
        tops = {Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}
        for top in tops:
            if (root / top).exists() and not (folder / top).exists():
                (folder / top).symlink_to(root / top)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A clean venv with the wheel installed by one `pip install`; returns its bin folder."""
    tmp = tmp_path_factory.mktemp("staff-computer")
    wheel = build(tmp / "from-a-colleague")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    deps = tmp / "already-installed"
    link_installed(runtime_distributions(), deps)
    [site] = (venv / "lib").glob("python3.*/site-packages")
    (site / "dependencies.pth").write_text(f"{deps}\n", encoding="utf-8")
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    result = subprocess.run(
        [*pip, "install", "--no-index", str(wheel)], capture_output=True, text=True, env=clean_env(venv / "bin", tmp)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    check = subprocess.run([*pip, "check"], capture_output=True, text=True, env=clean_env(venv / "bin", tmp))
    assert check.returncode == 0, check.stdout + check.stderr
    return venv / "bin", tmp


def clean_env(bin_dir: Path, home: Path, **extra: str) -> dict[str, str]:
    """A staff member's computer: only the venv on PATH, their own home, nothing of this repository."""
    keep = {key: os.environ[key] for key in ("LANG", "LC_ALL", "TMPDIR") if key in os.environ}
    return {
        **keep,
        "PATH": str(bin_dir),
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(home / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        **extra,
    }


def run(bin_dir: Path, home: Path, args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    environment = clean_env(bin_dir, home, **env)
    assert shutil.which("node", path=environment["PATH"]) is None
    assert shutil.which("make", path=environment["PATH"]) is None
    assert shutil.which("git", path=environment["PATH"]) is None
    return subprocess.run(
        [str(bin_dir / "registrations"), *args], capture_output=True, text=True, cwd=home, env=environment, timeout=60
    )


def test_the_installed_command_shows_its_dutch_help(installed):
    bin_dir, home = installed
    result = run(bin_dir, home, ["--help"])
    assert result.returncode == 0, result.stderr
    assert "opdrachten:" in result.stdout and "Afsluitcodes:" in result.stdout
    where = subprocess.run(
        [str(bin_dir / "python"), "-c", "import registrations; print(registrations.__file__)"],
        capture_output=True,
        text=True,
        env=clean_env(bin_dir, home),
        check=True,
    ).stdout
    assert where.startswith(str(bin_dir.parent)), "the package comes from the wheel, not from the repository"


def test_the_installed_command_reads_a_table_through_an_aws_style_endpoint(installed, table, staff_env):
    bin_dir, home = installed
    put_items(table, [registration(1), registration(2, family_name="Ærøskøbing")])
    aws = {
        "DYNAMODB_ENDPOINT": staff_env["DYNAMODB_ENDPOINT"],
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
    }

    summary = run(
        bin_dir, home, ["summary", "--table", staff_env["REGISTRATIONS_TABLE"], "--region", "eu-central-1"], **aws
    )
    assert summary.returncode == 0, summary.stderr
    assert "Totaal aangemeld: 2" in summary.stdout

    export = run(
        bin_dir,
        home,
        ["export", "--table", staff_env["REGISTRATIONS_TABLE"], "--region", "eu-central-1", "-o", "aanmeldingen.xlsx"],
        **aws,
    )
    assert export.returncode == 0, export.stderr
    assert (home / "aanmeldingen.xlsx").stat().st_mode & 0o777 == 0o600


def test_without_a_table_the_installed_command_says_how_to_name_it(installed):
    bin_dir, home = installed
    result = run(bin_dir, home, ["summary"])
    assert result.returncode == 2
    assert "--table NAAM --region eu-central-1 --profile UW-PROFIEL" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_wheel_leaves_the_local_runner_out(installed):
    bin_dir, home = installed
    found = subprocess.run(
        [
            str(bin_dir / "python"),
            "-c",
            "import importlib.util as u; print(u.find_spec('registrations.dev'), u.find_spec('registrations.staff'))",
        ],
        capture_output=True,
        text=True,
        env=clean_env(bin_dir, home),
        check=True,
    ).stdout.split(" ", 1)
    assert found[0] == "None", "dev/ (make run) is in the staff wheel"
    assert found[1].startswith("ModuleSpec"), "the staff command itself is in the wheel"
