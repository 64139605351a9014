"""The generated parts of infra/template.yaml, from their single sources:

- `key-schema`: the table's key schema from functions/registrations/table_schema.json (which the code's local
  bootstrap also uses) and the TTL attribute from registrations.repository;
- `csp`: the Content-Security-Policy for the site as it is built now (deploy/csp.py).

    python -m deploy.infra           # rewrite the generated blocks (make infra)
    python -m deploy.infra --check   # exit 1 and show the difference when they are out of date

Everything outside the BEGIN/END GENERATED markers is edited by hand.
"""

from __future__ import annotations

import argparse
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
BLOCK = re.compile(r"(?P<indent>[ ]*)# BEGIN GENERATED (?P<name>[a-z-]+)\n.*?(?P=indent)# END GENERATED (?P=name)\n",
                   re.DOTALL)


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


def response_headers(template: dict | None = None) -> list[tuple[str, str]]:
    """The headers CloudFront's response headers policy adds to every response (site and /api), as HTTP headers."""
    config = (template or load_template())["Resources"]["SecurityHeadersPolicy"]["Properties"][
        "ResponseHeadersPolicyConfig"]
    security = config["SecurityHeadersConfig"]
    hsts = security["StrictTransportSecurity"]
    headers = [
        ("Content-Security-Policy", security["ContentSecurityPolicy"]["ContentSecurityPolicy"]),
        ("Strict-Transport-Security", f"max-age={hsts['AccessControlMaxAgeSec']}"
         + ("; includeSubDomains" if hsts.get("IncludeSubdomains") else "") + ("; preload" if hsts.get("Preload") else "")),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", security["FrameOptions"]["FrameOption"]),
        ("Referrer-Policy", security["ReferrerPolicy"]["ReferrerPolicy"]),
    ]
    headers += [(item["Header"], item["Value"]) for item in config.get("CustomHeadersConfig", {}).get("Items", [])]
    return headers


def key_schema_lines() -> list[str]:
    from registrations.repository import TABLE_SCHEMA_FILE, TTL_ATTRIBUTE

    schema = json.loads(TABLE_SCHEMA_FILE.read_text(encoding="utf-8"))
    # JSON is YAML: each value on one line, exactly as the code reads it.
    return [f"KeySchema: {json.dumps(schema['KeySchema'])}",
            f"AttributeDefinitions: {json.dumps(schema['AttributeDefinitions'])}",
            f"TimeToLiveSpecification: {json.dumps({'AttributeName': TTL_ATTRIBUTE, 'Enabled': True})}"]


def csp_lines(site_dir: Path) -> list[str]:
    return [f"ContentSecurityPolicy: {json.dumps(site_csp.policy(site_dir))}"]


def render(text: str, site_dir: Path) -> str:
    generators = {"key-schema": key_schema_lines, "csp": lambda: csp_lines(site_dir)}
    seen = set()

    def replace(match: re.Match) -> str:
        indent, name = match["indent"], match["name"]
        if name not in generators:
            raise ValueError(f"{TEMPLATE.name}: no generator for the block {name!r}")
        seen.add(name)
        body = "".join(f"{indent}{line}\n" for line in generators[name]())
        return f"{indent}# BEGIN GENERATED {name}\n{body}{indent}# END GENERATED {name}\n"

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
        sys.stdout.writelines(difflib.unified_diff(current.splitlines(True), wanted.splitlines(True),
                                                   "infra/template.yaml", "generated"))
        print("\nOut of date: run `make infra`.")
        return 1
    TEMPLATE.write_text(wanted, encoding="utf-8")
    print(f"wrote the generated blocks of {TEMPLATE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
