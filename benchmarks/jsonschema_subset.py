"""A small validator for the subset of JSON Schema (draft 2020-12) that ``result.schema.json`` uses.

Usage::

    errors = validate_instance(document, schema)   # [] when valid, else "path: problem" strings

Supported keywords: ``type`` (a name or a list of names), ``enum``, ``const``, ``properties``,
``required``, ``additionalProperties`` (false or a schema), ``items``, ``minItems``, ``minimum``,
``exclusiveMinimum``, ``minLength``, ``pattern``, and ``$ref`` to ``#/$defs/<name>``. Annotation
keywords (``title``, ``description``, ``$id``, ``$schema``, ``$defs``, ``examples``) are ignored.
Any other keyword is rejected, so the schema cannot silently use a rule this validator skips.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["validate_instance"]

_ANNOTATIONS = {"title", "description", "$id", "$schema", "$defs", "examples", "$comment"}
_CHECKED = {
    "type", "enum", "const", "properties", "required", "additionalProperties", "items", "minItems",
    "minimum", "exclusiveMinimum", "minLength", "pattern", "$ref",
}  # fmt: skip


def _is_type(value: Any, name: str) -> bool:
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    if name == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "string":
        return isinstance(value, str)
    if name == "array":
        return isinstance(value, list)
    if name == "object":
        return isinstance(value, dict)
    raise ValueError(f"unsupported JSON Schema type {name!r}")


def _type_name(value: Any) -> str:
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _is_type(value, name):
            return name
    return type(value).__name__


def _resolve(ref: str, root: dict) -> dict:
    prefix = "#/$defs/"
    if not ref.startswith(prefix):
        raise ValueError(f"only local '#/$defs/...' references are supported, got {ref!r}")
    return root["$defs"][ref[len(prefix) :]]


def _check_object(value: dict, schema: dict, root: dict, path: str, errors: list[str]) -> None:
    props = schema.get("properties", {})
    for key in schema.get("required", []):
        if key not in value:
            errors.append(f"{path}: missing required field '{key}'")
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        where = f"{path}.{key}"
        if key in props:
            _validate(item, props[key], root, where, errors)
        elif extra is False:
            errors.append(f"{path}: unexpected field '{key}'")
        elif isinstance(extra, dict):
            _validate(item, extra, root, where, errors)


def _check_scalar(value: Any, schema: dict, path: str, errors: list[str]) -> None:
    if "minimum" in schema and _is_type(value, "number") and value < schema["minimum"]:
        errors.append(f"{path}: {value} is below the minimum {schema['minimum']}")
    if "exclusiveMinimum" in schema and _is_type(value, "number") and value <= schema["exclusiveMinimum"]:
        errors.append(f"{path}: {value} must be greater than {schema['exclusiveMinimum']}")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{path}: string shorter than {schema['minLength']} characters")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{path}: {value!r} does not match pattern {schema['pattern']!r}")


def _validate(value: Any, schema: dict, root: dict, path: str, errors: list[str]) -> None:
    unknown = set(schema) - _CHECKED - _ANNOTATIONS
    if unknown:
        raise ValueError(f"schema at {path} uses unsupported keywords {sorted(unknown)}")
    if "$ref" in schema:
        _validate(value, _resolve(schema["$ref"], root), root, path, errors)
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is_type(value, n) for n in names):
            errors.append(f"{path}: expected {' or '.join(names)}, got {_type_name(value)}")
            return
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: expected {schema['const']!r}, got {value!r}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, dict):
        _check_object(value, schema, root, path, errors)
    elif isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{path}: expected at least {schema['minItems']} items, got {len(value)}")
        if "items" in schema:
            for i, item in enumerate(value):
                _validate(item, schema["items"], root, f"{path}[{i}]", errors)
    else:
        _check_scalar(value, schema, path, errors)


def validate_instance(instance: Any, schema: dict) -> list[str]:
    """Check a decoded JSON document against a schema of the supported subset.

    Args:
        instance: the decoded JSON value (dicts, lists, str, int, float, bool, None).
        schema: the decoded schema; ``$ref`` resolves against its ``$defs``.

    Returns:
        One "path: problem" string per violation, paths like ``$.records[0].threads``; empty if valid.

    Raises:
        ValueError: if the schema uses a keyword outside the supported subset.
    """
    errors: list[str] = []
    _validate(instance, schema, schema, "$", errors)
    return errors
