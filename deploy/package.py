"""Build the Lambda zip: `zappa package` from a clean, runtime-only venv, offline and without AWS credentials,
then recompile the bundled Python files into .pyc files with unchecked hashes.

Why the recompile: Zappa dates every zip entry 1980-01-01, so on Lambda each source file looks older or newer
than any timestamp-based .pyc, and /var/task is read-only, so Python compiles every module again on every cold
start. A .pyc with an *unchecked* hash is used as it is, whatever the file dates are.

    python -m deploy.package [--stage production]      # or: make package

Writes dist/<project>-<stage>.zappa.zip (Zappa's own output, kept for the benchmark) and dist/<project>-<stage>.zip
(the one to deploy: `zappa deploy <stage> --zip dist/<project>-<stage>.zip`). Both are rebuilt only when an
input changed (the function's files, zappa_settings.json, the lock file or this script).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from . import FUNCTIONS, MEETINGS, ROOT
from .settings import lambda_name, stage_settings

LAMBDA_VENV = Path(os.environ.get("LAMBDA_VENV") or ROOT / ".venv-lambda")
DIST = ROOT / "dist"
# The interpreter the Lambda venv is made with: it must be the runtime's version (zappa_settings.json "runtime"),
# or the zip carries the wrong compiled extensions and .pyc files. The Makefile exports the one it found.
PYTHON = os.environ.get("PYTHON") or sys.executable
# Where Lambda unpacks the zip; the .pyc files name their sources there, so tracebacks read /var/task/...
LAMBDA_TASK_ROOT = "/var/task"
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
SIZE_BUDGET_BYTES = 10 * 1024 * 1024


LOCK_FILE = ROOT / "requirements" / "lambda.txt"
# The meetings' facts (gedeeld.toml, each <id>/bijeenkomst.toml) ship in the zip; the pages are the site's.
SHARED_FILE, FACTS_FILE = "gedeeld.toml", "bijeenkomst.toml"


def ensure_venv(venv: Path = LAMBDA_VENV) -> Path:
    """A venv holding exactly the locked runtime dependencies and Zappa, made anew whenever the lock changes.

    Zappa packages the whole active venv, so anything else in it (pytest, mkdocs, ...) would end up in the zip. The
    lock has a hash for every file, so two builds of the zip hold the same dependencies.
    """
    wanted = LOCK_FILE.read_text(encoding="utf-8") + f"# made with {python_version(PYTHON)}\n"
    marker = venv / ".installed"
    if marker.exists() and marker.read_text(encoding="utf-8") == wanted and venv_python(venv).exists():
        return venv
    if venv.exists():
        shutil.rmtree(venv)
    subprocess.run([PYTHON, "-m", "venv", str(venv)], check=True)  # nosec B603 # fixed argv, no shell
    subprocess.run(
        [
            str(venv_python(venv)),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",  # nosec B603 # fixed argv, no shell
            "--require-hashes",
            "--no-deps",
            "-r",
            str(LOCK_FILE),
        ],
        check=True,
    )
    marker.write_text(wanted, encoding="utf-8")
    return venv


def python_version(python: str | Path) -> str:
    """'python3.13': the interpreter's version, named as Lambda names its runtimes."""
    return subprocess.run(
        [str(python), "-c", "import sys; print('python%d.%d' % sys.version_info[:2])"],  # nosec B603 # fixed argv, no shell
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def check_runtime(stage: str, python: str | Path) -> None:
    """The venv's Python must be the stage's Lambda runtime, or the zip would carry the wrong .pyc files."""
    runtime = stage_settings(stage)["runtime"]
    found = python_version(python)
    if found != runtime:
        raise SystemExit(
            f"The Lambda runtime of {stage} is {runtime}, but the packaging Python is {found} "
            f"({python}). Run with PYTHON=/path/to/{runtime}."
        )


def venv_python(venv: Path = LAMBDA_VENV) -> Path:
    return venv / "bin" / "python"


def offline_env(venv: Path) -> dict[str, str]:
    """No AWS credentials or config, and every HTTP(S) request sent to a closed port on loopback.

    `zappa package` needs neither AWS nor the network; this environment proves it (a call would fail at once).
    """
    empty = Path(tempfile.gettempdir()) / "no-aws-config"
    keep = ("HOME", "LANG", "LC_ALL", "USER", "LOGNAME", "TMPDIR", "TERM")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    dead_proxy = "http://127.0.0.1:9"
    env.update(
        {
            "PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            "VIRTUAL_ENV": str(venv),
            "AWS_CONFIG_FILE": str(empty),
            "AWS_SHARED_CREDENTIALS_FILE": str(empty),
            "AWS_EC2_METADATA_DISABLED": "true",
            "HTTP_PROXY": dead_proxy,
            "HTTPS_PROXY": dead_proxy,
            "http_proxy": dead_proxy,
            "https_proxy": dead_proxy,
            "NO_PROXY": "",
            "no_proxy": "",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


def meeting_facts() -> list[tuple[str, Path]]:
    """The meetings' facts (docs/bijeenkomsten/: gedeeld.toml and each <id>/bijeenkomst.toml) as the zip names them:
    registrations/meetings/, where the function looks first (meeting/catalogue.py). The pages stay out."""
    files = [MEETINGS / SHARED_FILE, *sorted(MEETINGS.glob(f"*/{FACTS_FILE}"))]
    return [(f"registrations/meetings/{p.relative_to(MEETINGS).as_posix()}", p) for p in files if p.is_file()]


def package_inputs() -> list[tuple[str, Path]]:
    """Every file that can change the zip's contents, by name: a changed meeting can never deploy with a stale zip."""
    files = [
        p
        for p in FUNCTIONS.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and not any(part.endswith(".egg-info") for part in p.parts)
    ]
    own = sorted(files) + [ROOT / "pyproject.toml", LOCK_FILE, Path(__file__).resolve()]
    return [(str(p.relative_to(ROOT)), p) for p in own] + meeting_facts()


def fingerprint(stage: str) -> str:
    digest = hashlib.sha256(f"{stage}\n{sys.version_info[:2]}\n".encode())
    for name, path in package_inputs():
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def zip_paths(stage: str) -> tuple[Path, Path, Path]:
    name = lambda_name(stage)
    return DIST / f"{name}.zappa.zip", DIST / f"{name}.zip", DIST / f"{name}.fingerprint"


def zappa_package(stage: str, output: Path, venv: Path) -> Path:
    """Run the real `zappa package` in functions/, where zappa_settings.json and the `registrations` package are."""
    output.parent.mkdir(parents=True, exist_ok=True)
    output.unlink(missing_ok=True)
    subprocess.run(
        [
            str(venv / "bin" / "zappa"),
            "package",
            stage,
            "--output",
            str(output),
            "--json",  # nosec B603 # fixed argv, no shell
            "--disable_progress",
        ],
        cwd=FUNCTIONS,
        env=offline_env(venv),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    if not output.is_file():
        raise RuntimeError(f"zappa package wrote no {output}")
    return output


def recompile(source_zip: Path, target_zip: Path, python: Path) -> Path:
    """Copy the zip and add a .pyc with an unchecked hash beside every module (Lambda's CPython, the runtime's version),
    and the meetings' facts."""
    with tempfile.TemporaryDirectory(prefix="lambda-recompile-") as tmp:
        tree = Path(tmp)
        with zipfile.ZipFile(source_zip) as archive:
            entries = archive.infolist()
            archive.extractall(tree)
        subprocess.run(
            [
                str(python),
                "-m",
                "compileall",
                "-q",
                "-j",
                "0",
                "--invalidation-mode",
                "unchecked-hash",  # nosec B603 # fixed argv, no shell
                "-s",
                str(tree),
                "-p",
                LAMBDA_TASK_ROOT,
                str(tree),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        known = {info.filename for info in entries}
        compiled = sorted(
            str(p.relative_to(tree)) for p in tree.rglob("*.pyc") if str(p.relative_to(tree)) not in known
        )
        partial = target_zip.with_suffix(".partial")
        with (
            zipfile.ZipFile(source_zip) as archive,
            zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out,
        ):
            for info in entries:
                out.writestr(info, archive.read(info), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
            added = [(name, tree / name) for name in compiled] + meeting_facts()
            for name, path in added:
                info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
                info.create_system = 3
                info.external_attr = 0o644 << 16
                out.writestr(info, path.read_bytes(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
        partial.replace(target_zip)
    return target_zip


def ensure_package(stage: str = "production", force: bool = False) -> Path:
    """The deployable zip of a stage, built only when an input changed since the last build."""
    stage_settings(stage)  # fails clearly for an unknown stage
    raw, final, stamp = zip_paths(stage)
    wanted = fingerprint(stage)
    if not force and final.is_file() and raw.is_file() and stamp.is_file() and stamp.read_text() == wanted:
        return final
    check_runtime(stage, PYTHON)
    venv = ensure_venv()
    zappa_package(stage, raw, venv)
    recompile(raw, final, venv_python(venv))
    stamp.write_text(wanted)
    return final


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", default="production")
    parser.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    args = parser.parse_args(argv)
    final = ensure_package(args.stage, force=args.force)
    size = final.stat().st_size
    verdict = "within" if size <= SIZE_BUDGET_BYTES else "OVER"
    print(f"{final.relative_to(ROOT)}: {size / 1024 / 1024:.2f} MB ({verdict} the 10 MB budget)")
    return 0 if size <= SIZE_BUDGET_BYTES else 1


if __name__ == "__main__":
    sys.exit(main())
