"""The gates around pip-audit and checkov decide as handbook/quality.md says (their reports are stand-ins here: the
tools themselves run in `make test`, before pytest)."""

from __future__ import annotations

import textwrap

import pytest

from deploy import audit, checkov_gate

LOCK = "requirements/lambda.txt"


def audit_report(*dependencies):
    return {"dependencies": list(dependencies), "fixes": []}


FLASK = {"name": "flask", "version": "3.1.3", "vulns": []}
ADVISORY = {
    "name": "jinja2",
    "version": "3.1.6",
    "vulns": [{"id": "PYSEC-0000-1", "aliases": ["CVE-0000-1"], "fix_versions": ["3.1.7"]}],
}
UNKNOWN = {"name": "zappa", "skip_reason": "Dependency not found on the index and could not be audited: zappa (0.63.0)"}


@pytest.fixture
def audit_gives(monkeypatch):
    def give(report, error=""):
        monkeypatch.setattr(audit, "run_pip_audit", lambda lock_file, service: (report, error))

    return give


def test_an_advisory_fails_and_names_the_fix(audit_gives, capsys):
    audit_gives(audit_report(FLASK, ADVISORY))
    assert audit.main([]) == 1
    out = capsys.readouterr().out
    assert "jinja2 3.1.6: PYSEC-0000-1 (CVE-0000-1); fixed in: 3.1.7" in out


def test_an_accepted_advisory_passes(audit_gives, monkeypatch):
    audit_gives(audit_report(FLASK, ADVISORY))
    monkeypatch.setattr(audit, "ACCEPTED", {"CVE-0000-1": "not reachable from the function"})
    assert audit.main([]) == 0


def test_packages_that_could_not_be_checked_are_said_to_be_not_audited(audit_gives, capsys, monkeypatch):
    audit_gives(audit_report(FLASK, UNKNOWN))
    monkeypatch.delenv("AUDIT_REQUIRED", raising=False)
    assert audit.main([]) == 0
    assert "NOT AUDITED: 1 of 2 packages" in capsys.readouterr().out
    monkeypatch.setenv("AUDIT_REQUIRED", "1")
    assert audit.main([]) == 1


def test_no_database_at_all_is_not_audited(audit_gives, capsys, monkeypatch):
    audit_gives(None, "ConnectionError: no route")
    monkeypatch.delenv("AUDIT_REQUIRED", raising=False)
    assert audit.main([]) == 0
    assert f"NOT AUDITED: {LOCK}: no advisory database answered" in capsys.readouterr().out
    monkeypatch.setenv("AUDIT_REQUIRED", "1")
    assert audit.main([]) == 1


def test_everything_audited_and_clean_passes(audit_gives, capsys):
    audit_gives(audit_report(FLASK))
    assert audit.main([]) == 0
    assert "NOT AUDITED" not in capsys.readouterr().out


def checkov_report(*failed, passed=3, parsing_errors=0, resources=3):
    return [
        {
            "results": {
                "failed_checks": [
                    {
                        "check_id": check,
                        "check_name": "a check",
                        "resource": resource,
                        "file_path": "/template.yaml",
                        "file_line_range": [1, 9],
                    }
                    for resource, check in failed
                ]
            },
            "summary": {
                "passed": passed,
                "failed": len(failed),
                "skipped": 0,
                "parsing_errors": parsing_errors,
                "resource_count": resources,
                "checkov_version": "3",
            },
        }
    ]


@pytest.fixture
def skips(tmp_path):
    path = tmp_path / "skips.yaml"
    path.write_text(
        textwrap.dedent("""\
        - template: template.yaml
          resource: AWS::S3::Bucket.SiteBucket
          check: CKV_AWS_18
          reason: an access log stores IP addresses
    """),
        encoding="utf-8",
    )
    return path


def gate(monkeypatch, skips, reports):
    monkeypatch.setattr(checkov_gate, "run_checkov", lambda checkov, directory: reports)
    return checkov_gate.main(["--skips", str(skips)])


def test_checkov_passes_with_only_accepted_findings(monkeypatch, skips):
    assert gate(monkeypatch, skips, checkov_report(("AWS::S3::Bucket.SiteBucket", "CKV_AWS_18"))) == 0


def test_checkov_fails_on_a_finding_that_is_not_accepted(monkeypatch, skips, capsys):
    # The same check on another resource is not covered by the entry.
    report = checkov_report(("AWS::S3::Bucket.SiteBucket", "CKV_AWS_18"), ("AWS::S3::Bucket.Other", "CKV_AWS_18"))
    assert gate(monkeypatch, skips, report) == 1
    assert "FAILED CKV_AWS_18" in capsys.readouterr().out


def test_checkov_says_which_entries_no_longer_fail(monkeypatch, skips, capsys):
    assert gate(monkeypatch, skips, checkov_report()) == 0
    assert "no longer failing, remove from skips.yaml: template.yaml AWS::S3::Bucket.SiteBucket" in (
        capsys.readouterr().out
    )


def test_checkov_fails_when_it_checked_nothing_or_could_not_parse(monkeypatch, skips):
    assert gate(monkeypatch, skips, checkov_report(resources=0, passed=0)) == 1
    assert gate(monkeypatch, skips, checkov_report(parsing_errors=1)) == 1
    assert gate(monkeypatch, skips, []) == 1


def test_an_entry_without_a_reason_is_refused(monkeypatch, tmp_path):
    path = tmp_path / "skips.yaml"
    path.write_text("- {template: template.yaml, resource: X, check: CKV_AWS_18, reason: ''}\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="has no reason"):
        gate(monkeypatch, path, checkov_report())
