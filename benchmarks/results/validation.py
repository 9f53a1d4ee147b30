"""Validation of result documents: the JSON Schema (``result.schema.json``, by the ``jsonschema``
library) and the rules it cannot state, with problems as short "path: problem" lines.

Usage::

    problems = validate_document(json.loads(text))   # [] when valid
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["SCHEMA_VERSION", "SCHEMA_PATH", "result_schema", "schema_problem", "validate_document"]

#: Version of the result schema written by this tool; bumped on any incompatible change. Version 1
#: files (host fields only) are read unchanged; version 2 adds the optional phone fields.
SCHEMA_VERSION = 2
SCHEMA_PATH = Path(__file__).with_name("result.schema.json")


@cache
def result_schema() -> dict[str, Any]:
    """The decoded JSON Schema of result files (``result.schema.json``)."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = result_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


_JSON_TYPES = ((bool, "boolean"), (str, "string"), (int, "integer"), (float, "number"), (list, "array"), (dict, "object"))


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return next((name for tp, name in _JSON_TYPES if isinstance(value, tp)), type(value).__name__)


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def schema_problem(error: Any) -> str:
    """One "path: problem" line for a ``jsonschema`` error, short whatever the size of the instance."""
    path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    kind, expected, value = error.validator, error.validator_value, error.instance
    if kind == "required":
        missing = [k for k in expected if isinstance(value, dict) and k not in value]
        problem = f"missing required field {missing[0]!r}" if missing else error.message
    elif kind == "additionalProperties" and isinstance(value, dict):
        known = set(error.schema.get("properties", {}))
        extra = sorted(k for k in value if k not in known)
        problem = f"unexpected field {extra[0]!r}" if extra else error.message
    elif kind == "type":
        names = " or ".join(expected) if isinstance(expected, list) else expected
        problem = f"expected {names}, got {_json_type(value)}"
    elif kind == "enum":
        problem = f"{_short(value)} is not one of {expected}"
    elif kind == "const":
        problem = f"{_short(value)} is not {expected!r}"
    elif kind == "pattern":
        problem = f"{_short(value)} does not match pattern {expected}"
    elif kind == "minimum":
        problem = f"{value} is below the minimum {expected}"
    elif kind == "exclusiveMinimum":
        problem = f"{value} is not above {expected}"
    else:
        problem = error.message if len(error.message) <= 200 else error.message[:197] + "..."
    return f"{path}: {problem}"


def _semantic_problems(doc: dict[str, Any]) -> list[str]:
    """Rules JSON Schema would need conditionals for: ok rows carry samples and summaries."""
    problems = []
    for i, rec in enumerate(doc.get("records", [])):
        where = f"$.records[{i}]"
        if rec["status"] == "ok":
            if not any(rec["latency_ms_samples"]):
                problems.append(f"{where}: status 'ok' but latency_ms_samples is empty")
            for name in ("median_ms", "p10_ms", "p90_ms", "fps"):
                if rec.get(name) is None:
                    problems.append(f"{where}: status 'ok' but {name} is missing")
        elif not rec["reason"]:
            problems.append(f"{where}: status '{rec['status']}' needs a reason")
    return problems


def validate_document(doc: Any) -> list[str]:
    """Problems of a decoded result document, as "path: problem" strings; empty if valid.

    Checks the JSON Schema (structure, types, enums) and then the rules it cannot state: an "ok"
    record has samples and summaries, any other status has a reason.
    """
    if isinstance(doc, dict) and isinstance(doc.get("schema_version"), int) and doc["schema_version"] > SCHEMA_VERSION:
        return [f"$.schema_version: {doc['schema_version']} is newer than this tool reads ({SCHEMA_VERSION})"]
    errors = sorted(_validator().iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    problems = [schema_problem(e) for e in errors]
    return problems or _semantic_problems(doc)
