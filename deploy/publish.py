"""Publish the site: `mkdocs build --strict`, then sync site/ to the stage's private S3 bucket and invalidate what
changed in CloudFront.

    python -m deploy.publish --stage production          # make publish STAGE=production

The bucket, distribution and public address come from the outputs of the stage's infra stack
(<project>-<stage>-infra).

- Content-Type per file from a fixed table; a file type not in it stops the publish (the site is served with
  `X-Content-Type-Options: nosniff`, so a wrong type would break it).
- Cache-Control: assets whose name carries a content hash (bundle.a5f9d56c.min.js) are immutable for a year;
  everything else, HTML first of all, for five minutes.
- Only new and changed files are uploaded (assets before pages, so a new page never names a missing asset), files
  no longer built are deleted, and CloudFront is told to forget the changed and deleted paths.
- Before uploading, the built pages' inline scripts are checked against the CSP in infra/template.yaml.
- Before anything, the facts VNG still has to supply (PENDING_FACTS in docs/bijeenkomsten/gedeeld.toml) must be
  filled in: the statements may not go out with "[nog in te vullen: ...]" in them. Nor may a meeting folder still
  hold a `[HERSCHRIJVEN: ...]` mark that `make new-meeting` left (deploy/marks.py).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import MEETINGS, ROOT
from .csp import missing_hashes
from .infra import load_template, response_headers
from .marks import unrewritten_marks
from .settings import stage_settings
from .stage import stack_name

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",
    ".gz": "application/gzip",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".pdf": "application/pdf",
}
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"
# A content hash of 8+ hex digits as its own part of the file name, as MkDocs Material names its bundles.
HASHED_NAME = re.compile(r"\.[0-9a-f]{8,}\.")
# Above this many paths one wildcard invalidation is cheaper (the first 1,000 paths a month are free).
MAX_INVALIDATION_PATHS = 15


class PublishError(RuntimeError):
    pass


def require_supplied_facts(meeting) -> None:
    """Refuse to publish while gedeeld.toml has an empty PENDING_FACTS key (the statements would show a marker)."""
    missing = meeting.missing_facts()
    if missing:
        raise PublishError(
            f"docs/bijeenkomsten/gedeeld.toml has empty facts that the privacy and accessibility "
            f"statements need: {', '.join(missing)}. Fill them in (ask VNG), then publish."
        )


def require_rewritten(root: Path) -> None:
    """Refuse to publish while a meeting folder under `root` still holds a mark of `make new-meeting`."""
    marks = unrewritten_marks(root)
    if marks:
        raise PublishError(
            f"a copied meeting still has texts marked [HERSCHRIJVEN: ...] ({len(marks)}). Rewrite each one and "
            "remove its mark, then publish:\n" + "\n".join(f"  {line}" for line in marks)
        )


def content_type(key: str) -> str:
    suffix = Path(key).suffix.lower()
    if suffix not in CONTENT_TYPES:
        raise PublishError(
            f"{key}: no Content-Type known for {suffix or 'files without an extension'}; "
            f"add it to CONTENT_TYPES in deploy/publish.py"
        )
    return CONTENT_TYPES[suffix]


def cache_control(key: str) -> str:
    return IMMUTABLE if HASHED_NAME.search(Path(key).name) else SHORT


@dataclass(frozen=True)
class LocalFile:
    key: str
    path: Path
    etag: str
    content_type: str
    cache_control: str


@dataclass
class Plan:
    upload: list[LocalFile] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # existed before with other content or headers
    unchanged: int = 0

    def invalidation_paths(self) -> list[str]:
        paths = set()
        for key in self.changed + self.delete:
            paths.add("/" + key)
            if key == "index.html" or key.endswith("/index.html"):
                paths.add("/" + key.removesuffix("index.html"))  # the directory URL a visitor uses
        if len(paths) > MAX_INVALIDATION_PATHS:
            return ["/*"]
        return sorted(paths)


def local_files(site_dir: Path) -> dict[str, LocalFile]:
    files = {}
    for path in sorted(p for p in site_dir.rglob("*") if p.is_file()):
        key = path.relative_to(site_dir).as_posix()
        files[key] = LocalFile(
            key,
            path,
            hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest(),
            content_type(key),
            cache_control(key),
        )
    return files


def remote_files(s3, bucket: str) -> dict[str, dict]:
    """Key → ETag, Content-Type and Cache-Control of every object in the bucket."""
    objects = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            objects[item["Key"]] = {"etag": item["ETag"].strip('"')}
    return objects


def make_plan(s3, bucket: str, files: dict[str, LocalFile]) -> Plan:
    remote = remote_files(s3, bucket)
    plan = Plan()
    for key, local in files.items():
        if key not in remote:
            plan.upload.append(local)
            continue
        same = remote[key]["etag"] == local.etag
        if same:
            # Same bytes: still re-upload when the headers differ (for example after a change of cache rules).
            head = s3.head_object(Bucket=bucket, Key=key)
            same = head.get("ContentType") == local.content_type and head.get("CacheControl") == local.cache_control
        if same:
            plan.unchanged += 1
        else:
            plan.upload.append(local)
            plan.changed.append(key)
    plan.delete = sorted(set(remote) - set(files))
    # Assets first, pages last: a page that is live names only assets that are already there.
    plan.upload.sort(key=lambda f: (f.key.endswith(".html"), f.key))
    return plan


def apply(s3, cloudfront, bucket: str, distribution_id: str | None, plan: Plan) -> str | None:
    for local in plan.upload:
        with local.path.open("rb") as body:
            s3.put_object(
                Bucket=bucket,
                Key=local.key,
                Body=body,
                ContentType=local.content_type,
                CacheControl=local.cache_control,
            )
    for start in range(0, len(plan.delete), 1000):
        chunk = plan.delete[start : start + 1000]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key} for key in chunk], "Quiet": True})
    paths = plan.invalidation_paths()
    if not paths or distribution_id is None:
        return None
    response = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": len(paths), "Items": paths},
            "CallerReference": f"publish-{time.time_ns()}",
        },
    )
    return response["Invalidation"]["Id"]


def publish(s3, cloudfront, bucket: str, distribution_id: str | None, site_dir: Path) -> Plan:
    csp = dict(response_headers(load_template()))["Content-Security-Policy"]
    blocked = missing_hashes(site_dir, csp)
    if blocked:
        raise PublishError(
            "the built site has inline scripts that the CSP in infra/template.yaml blocks "
            f"({', '.join(blocked)}): run `make infra`, update the stack, then publish"
        )
    plan = make_plan(s3, bucket, local_files(site_dir))
    apply(s3, cloudfront, bucket, distribution_id, plan)
    return plan


def build(site_url: str, site_dir: Path) -> Path:
    """`mkdocs build --strict` with the public address as site_url (canonical links, sitemap)."""
    config = ROOT / ".mkdocs-publish.yml"
    config.write_text(f"INHERIT: mkdocs.yml\nsite_url: {site_url.rstrip('/')}/\n", encoding="utf-8")
    try:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "mkdocs",
                "build",
                "--strict",
                "--quiet",
                "--config-file",  # nosec B603 # fixed argv, no shell
                str(config),
                "--site-dir",
                str(site_dir),
            ],
            cwd=ROOT,
            check=True,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        )
    finally:
        config.unlink(missing_ok=True)
    return site_dir


def stack_outputs(session, stack_name: str) -> dict[str, str]:
    [stack] = session.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


def main(argv: list[str] | None = None) -> int:
    import boto3

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", default="production")
    args = parser.parse_args(argv)
    from registrations.meeting import load_meeting

    try:
        require_supplied_facts(load_meeting())
        require_rewritten(MEETINGS)
    except PublishError as exc:
        print(f"make publish: not published: {exc}", file=sys.stderr)
        return 1
    settings = stage_settings(args.stage)
    session = boto3.Session(region_name=settings["aws_region"])
    outputs = stack_outputs(session, stack_name(args.stage))
    with tempfile.TemporaryDirectory(prefix="publish-") as tmp:
        site_dir = build(outputs["SiteUrl"], Path(tmp) / "site")
        plan = publish(
            session.client("s3"),
            session.client("cloudfront"),
            outputs["SiteBucketName"],
            outputs["DistributionId"],
            site_dir,
        )
    print(
        f"{len(plan.upload)} uploaded ({len(plan.changed)} changed), {plan.unchanged} unchanged, "
        f"{len(plan.delete)} deleted; invalidated: {', '.join(plan.invalidation_paths()) or 'nothing'}"
    )
    print(f"Site: {outputs['SiteUrl']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
