"""`registrations --help` loads no boto3 or botocore: the staff command's help comes at once, even from the wheel."""

from __future__ import annotations

import json
import os
import subprocess
import sys

# Runs the staff command's --help as `python -m registrations.staff --help` does, then lists the AWS modules loaded.
PROGRAM = """
import json, runpy, sys
sys.argv = ["registrations", "--help"]
try:
    runpy.run_module("registrations.staff", run_name="__main__", alter_sys=True)
except SystemExit as exit:
    code = exit.code
else:
    code = 0
loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("boto3", "botocore"))
print(json.dumps({"code": code, "loaded": loaded}), file=sys.stderr)
"""


def test_help_imports_neither_boto3_nor_botocore():
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=60, env={**os.environ}, check=False
    )
    report = json.loads(result.stderr.strip().splitlines()[-1])
    assert report["code"] in (0, None), result.stderr
    assert "opdrachten:" in result.stdout
    assert report["loaded"] == []
