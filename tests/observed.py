"""What operations see, for the tests: log records as the JSON lines of Lambda, and a checker of CloudWatch's
Embedded Metric Format specification for the documents the function writes.

From AWS's "Specification: Embedded metric format": the root is a JSON object with `_aws`, whose Timestamp is a
number (milliseconds since the epoch) and whose CloudWatchMetrics is an array of directives; each directive has a
Namespace (a string), Dimensions (an array of dimension sets, each an array of at most 30 names of members of the
root) and Metrics (at most 100 objects with a Name, a member of the root, and an optional Unit of CloudWatch's).
A dimension's value is a string; a metric's value is a number (or an array of at most 100 numbers).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from registrations.observability.logs import JsonFormatter

UNITS = {
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
    "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
    "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
    "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
}  # fmt: skip


def check_emf(text: str) -> dict[str, Any]:
    """Parse one line as an EMF document and check it against the specification; the document."""
    document = json.loads(text)
    assert isinstance(document, dict)
    meta = document["_aws"]
    assert isinstance(meta["Timestamp"], int) and meta["Timestamp"] > 1_500_000_000_000
    directives = meta["CloudWatchMetrics"]
    assert isinstance(directives, list) and directives
    for directive in directives:
        assert set(directive) <= {"Namespace", "Dimensions", "Metrics"}
        assert isinstance(directive["Namespace"], str) and directive["Namespace"] and directive["Namespace"][0] != ":"
        for dimension_set in directive["Dimensions"]:
            assert isinstance(dimension_set, list) and len(dimension_set) <= 30
            for name in dimension_set:
                assert isinstance(document[name], str) and document[name].isascii() and document[name].strip()
        assert 0 < len(directive["Metrics"]) <= 100
        for metric in directive["Metrics"]:
            assert set(metric) <= {"Name", "Unit", "StorageResolution"}
            assert metric.get("Unit", "None") in UNITS
            value = document[metric["Name"]]
            values = value if isinstance(value, list) else [value]
            assert len(values) <= 100
            assert all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    return document


def metric_values(document: dict[str, Any]) -> dict[str, float]:
    """The metrics of one document by name."""
    return {m["Name"]: document[m["Name"]] for d in document["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}


def dimension_sets(document: dict[str, Any]) -> list[dict[str, str]]:
    """Each dimension set of the document with its values."""
    return [
        {name: document[name] for name in names}
        for d in document["_aws"]["CloudWatchMetrics"]
        for names in d["Dimensions"]
    ]


def json_text(records: Iterable[logging.LogRecord]) -> str:
    """The records as Lambda logs them, one JSON object a line (every field, not only the message), lower case."""
    formatter = JsonFormatter()
    return "\n".join(formatter.format(record) for record in records).lower()
