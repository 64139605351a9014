"""Reading functions/zappa_settings.json the way Zappa does (a stage may `extends` another, shallowly)."""

from __future__ import annotations

import json
from typing import Any

from . import FUNCTIONS

ZAPPA_SETTINGS = FUNCTIONS / "zappa_settings.json"


def all_settings() -> dict[str, dict[str, Any]]:
    return json.loads(ZAPPA_SETTINGS.read_text(encoding="utf-8"))


def stage_settings(stage: str) -> dict[str, Any]:
    """The effective settings of one stage: its `extends` chain merged with dict.update, as Zappa's CLI does."""
    settings = all_settings()
    if stage not in settings:
        raise SystemExit(f"no stage {stage!r} in {ZAPPA_SETTINGS.name}; stages: {', '.join(settings)}")
    chain, current = [], stage
    while current:
        if current in chain:
            raise SystemExit(f"circular extends in {ZAPPA_SETTINGS.name}: {' -> '.join(chain + [current])}")
        chain.append(current)
        current = settings[current].get("extends")
    merged: dict[str, Any] = {}
    for name in reversed(chain):
        merged.update({k: v for k, v in settings[name].items() if k != "extends"})
    return merged


def lambda_name(stage: str) -> str:
    """Zappa names the function (and its API) `<project_name>-<stage>`."""
    return f"{stage_settings(stage)['project_name']}-{stage}"
