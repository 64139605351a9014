"""MkDocs hook: loads the event facts (the single source, read-only) and fills them into the pages.

Markdown pages may use {{ event.<fact> }} and {{ registration_form }}; nothing is typed twice.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import jinja2

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "functions"))

from registrations.event import load_event  # noqa: E402

TEMPLATES = ROOT / "functions" / "registrations" / "templates"
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_.]*)\s*\}\}")

_event = load_event()
_env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)


def _registration_form() -> str:
    return _env.from_string('{% from "_form.html" import registration_form %}{{ registration_form(event) }}').render(
        event=_event
    )


def _lookup(name: str) -> str:
    if name == "registration_form":
        return _registration_form()
    head, _, attr = name.partition(".")
    if head != "event" or not attr or attr.startswith("_"):
        raise KeyError(name)
    return str(getattr(_event, attr))


def on_page_markdown(markdown: str, page, config, files) -> str:
    def replace(match: re.Match) -> str:
        try:
            return _lookup(match.group(1))
        except (KeyError, AttributeError) as exc:
            raise ValueError(f"{page.file.src_path}: unknown placeholder {match.group(0)}") from exc

    return PLACEHOLDER.sub(replace, markdown)


def on_config(config):
    config.extra["event"] = _event.public_facts()
    return config
