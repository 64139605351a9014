"""The generated parts of infra/template.yaml, from their single sources:

- `key-schema`: the table's key schema and secondary index from functions/registrations/repository/table_schema.json
  (which the code's local bootstrap also uses) and the TTL attribute from registrations.repository;
- `stream-filter`: the deliverer's stream filters, registrations.lambda_handler.STREAM_FILTERS;
- `csp`: the Content-Security-Policy for the site as it is built now (deploy/csp.py);
- `export-expiry`: the day the export bucket's lifecycle rule deletes the staff spreadsheet, from the retention in
  docs/bijeenkomsten/<id>/bijeenkomst.toml;
- `old-addresses`: in the CloudFront function's code, where the addresses of before there were several meetings
  (/aanmelden/, /achtergrond/) redirect to: the pages of the meeting with `old_addresses = true`.

    python -m deploy.infra           # rewrite the generated blocks (make infra)
    python -m deploy.infra --check   # exit 1 and show the difference when they are out of date

Everything outside the BEGIN/END GENERATED markers is edited by hand.
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from . import INFRA, ROOT
from . import csp as site_csp

TEMPLATE = INFRA / "template.yaml"
# A block's markers are YAML comments, or JavaScript ones inside the CloudFront function's code.
BLOCK = re.compile(
    r"(?P<indent>[ ]*)(?P<mark>#|//) BEGIN GENERATED (?P<name>[a-z-]+)\n.*?(?P=indent)(?P=mark) END GENERATED (?P=name)\n",
    re.DOTALL,
)


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short forms (!Ref, !Sub, !GetAtt, ...) read as their long forms."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: _intrinsic(loader, suffix, node))


def load_template(text: str | None = None) -> dict:
    return yaml.load(TEMPLATE.read_text(encoding="utf-8") if text is None else text, Loader=_CfnLoader)  # nosec B506 # _CfnLoader is a SafeLoader that also reads CloudFormation's ! tags


def policy_headers(template: dict, policy: str) -> list[tuple[str, str, bool]]:
    """The headers one response headers policy adds, as (name, value, override): with override False, CloudFront
    adds the header only where the origin sent none."""
    config = template["Resources"][policy]["Properties"]["ResponseHeadersPolicyConfig"]
    security = config["SecurityHeadersConfig"]
    hsts = security["StrictTransportSecurity"]
    headers = [
        (
            "Content-Security-Policy",
            security["ContentSecurityPolicy"]["ContentSecurityPolicy"],
            security["ContentSecurityPolicy"]["Override"],
        ),
        (
            "Strict-Transport-Security",
            f"max-age={hsts['AccessControlMaxAgeSec']}"
            + ("; includeSubDomains" if hsts.get("IncludeSubdomains") else "")
            + ("; preload" if hsts.get("Preload") else ""),
            hsts["Override"],
        ),
        ("X-Content-Type-Options", "nosniff", security["ContentTypeOptions"]["Override"]),
        ("X-Frame-Options", security["FrameOptions"]["FrameOption"], security["FrameOptions"]["Override"]),
        ("Referrer-Policy", security["ReferrerPolicy"]["ReferrerPolicy"], security["ReferrerPolicy"]["Override"]),
    ]
    headers += [
        (item["Header"], item["Value"], item["Override"])
        for item in config.get("CustomHeadersConfig", {}).get("Items", [])
    ]
    return headers


def response_headers(template: dict | None = None) -> list[tuple[str, str]]:
    """The headers CloudFront's response headers policy adds to every page of the site, as HTTP headers."""
    return [(name, value) for name, value, _ in policy_headers(template or load_template(), "SecurityHeadersPolicy")]


def header_policies(template: dict | None = None) -> dict[str, list[tuple[str, str, bool]]]:
    """Per path pattern of the distribution ("*" for the default behaviour, "/api/*"), the headers its response
    headers policy adds, as in policy_headers."""
    template = template or load_template()
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    behaviours = [{**config["DefaultCacheBehavior"], "PathPattern": "*"}]
    extra = config.get("CacheBehaviors", [])
    if isinstance(extra, dict) and "Fn::If" in extra:
        extra = extra["Fn::If"][1]  # as deployed, with the API wired
    behaviours += extra
    return {b["PathPattern"]: policy_headers(template, b["ResponseHeadersPolicyId"]["Ref"]) for b in behaviours}


def origin_custom_headers(template: dict | None = None) -> list[str]:
    """The names of the headers CloudFront adds on its way to the API origin (as deployed, with its secret)."""
    config = (template or load_template())["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    for origin in config["Origins"]:
        api = origin["Fn::If"][1] if "Fn::If" in origin else origin
        if api.get("Id") == "api":
            headers = api.get("OriginCustomHeaders", [])
            if isinstance(headers, dict) and "Fn::If" in headers:
                headers = headers["Fn::If"][1]
            return [item["HeaderName"] for item in headers]
    return []


def key_schema_lines() -> list[str]:
    from registrations.repository import TABLE_SCHEMA_FILE, TTL_ATTRIBUTE

    schema = json.loads(TABLE_SCHEMA_FILE.read_text(encoding="utf-8"))
    # JSON is YAML: each value on one line, exactly as the code reads it.
    return [
        f"KeySchema: {json.dumps(schema['KeySchema'])}",
        f"AttributeDefinitions: {json.dumps(schema['AttributeDefinitions'])}",
        f"GlobalSecondaryIndexes: {json.dumps(schema['GlobalSecondaryIndexes'])}",
        f"TimeToLiveSpecification: {json.dumps({'AttributeName': TTL_ATTRIBUTE, 'Enabled': True})}",
    ]


def stream_filter_lines() -> list[str]:
    from registrations.lambda_handler import STREAM_FILTERS

    # Lambda takes each pattern as a JSON string; a record that matches any of them is delivered.
    return [f"- Pattern: {json.dumps(json.dumps(pattern))}" for pattern in STREAM_FILTERS]


def csp_lines(site_dir: Path) -> list[str]:
    return [f"ContentSecurityPolicy: {json.dumps(site_csp.policy(site_dir))}"]


def lifecycle_date(moment: dt.datetime) -> str:
    """S3 deletes by date at midnight UTC: the first such midnight at or after `moment`."""
    utc = moment.astimezone(dt.UTC)
    day = utc.date() if utc.time() == dt.time(0) else utc.date() + dt.timedelta(days=1)
    return f"{day.isoformat()}T00:00:00.000Z"


def export_expiry_lines() -> list[str]:
    from registrations.meeting import load_meeting

    return [f"ExpirationDate: {json.dumps(lifecycle_date(load_meeting().expires_at))}"]


def old_address_lines() -> list[str]:
    """The CloudFront function's map of the old addresses to the letter's meeting (registrations.meeting), the same
    map the local server redirects with (registrations/dev/paths.py)."""
    from registrations.meeting import default_meetings, old_addresses

    moved = json.dumps(old_addresses(default_meetings()), indent=2, sort_keys=True)
    return f"var moved = {moved};".splitlines()


def render(text: str, site_dir: Path) -> str:
    generators = {
        "key-schema": key_schema_lines,
        "stream-filter": stream_filter_lines,
        "csp": lambda: csp_lines(site_dir),
        "export-expiry": export_expiry_lines,
        "old-addresses": old_address_lines,
    }
    seen = set()

    def replace(match: re.Match) -> str:
        indent, mark, name = match["indent"], match["mark"], match["name"]
        if name not in generators:
            raise ValueError(f"{TEMPLATE.name}: no generator for the block {name!r}")
        seen.add(name)
        body = "".join(f"{indent}{line}\n" for line in generators[name]())
        return f"{indent}{mark} BEGIN GENERATED {name}\n{body}{indent}{mark} END GENERATED {name}\n"

    result = BLOCK.sub(replace, text)
    if seen != set(generators):
        raise ValueError(f"{TEMPLATE.name} lacks the generated blocks {sorted(set(generators) - seen)}")
    return result


def build_site(target: Path) -> Path:
    from registrations.dev.local import build_site as mkdocs_build

    return mkdocs_build(target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check that the generated blocks are current")
    args = parser.parse_args(argv)
    current = TEMPLATE.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="infra-site-") as tmp:
        wanted = render(current, build_site(Path(tmp) / "site"))
    if current == wanted:
        print(f"{TEMPLATE.relative_to(ROOT)} is up to date")
        return 0
    if args.check:
        sys.stdout.writelines(
            difflib.unified_diff(current.splitlines(True), wanted.splitlines(True), "infra/template.yaml", "generated")
        )
        print("\nOut of date: run `make infra`.")
        return 1
    TEMPLATE.write_text(wanted, encoding="utf-8")
    print(f"wrote the generated blocks of {TEMPLATE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
