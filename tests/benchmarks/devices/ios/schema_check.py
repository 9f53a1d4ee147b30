"""Swift Codable types against a JSON Schema: keys, required keys, nesting and value types.

Starting from a root Swift type and the schema's root object, every stored property is followed
into the schema by its CodingKeys key:

- every CodingKeys key names a property of the schema object there (no key the host reader does
  not know), and every stored property has a CodingKeys case (no key Swift would invent);
- writing (``encode``): every required key is a property that is always written (not Optional;
  ``Nullable<T>`` writes null); reading (``decode``): every non-Optional property is a required key,
  so a valid file always decodes;
- each value's Swift type matches the schema there: Int/integer, Double/number, String/string,
  Bool/boolean, ``[T]``/array of items, ``[String: T]``/object of additionalProperties, a String
  enum's raw values within the schema's enum, and a nested struct against the object (or the
  ``$defs`` entry its ``$ref`` names), recursively.

Usage::

    problems = check(types, "ResultFile", result_schema, mode="encode")   # [] when they agree
"""

from __future__ import annotations

from typing import Any, Literal

from tests.benchmarks.devices.ios.swift_source import SwiftType, TypeRef

Mode = Literal["encode", "decode"]

#: Swift scalar -> JSON Schema types it is valid for (an integer is a JSON number too).
_SCALARS = {"Int": {"integer", "number"}, "Double": {"number"}, "Float": {"number"}, "String": {"string"}, "Bool": {"boolean"}}
#: Swift enums whose custom encode(to:) writes one JSON scalar per case (case name -> JSON type).
_SCALAR_UNIONS = {"OptionValue": {"string": "string", "number": "number", "bool": "boolean"}}


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/$defs/"):
            raise ValueError(f"unsupported $ref {ref}")
        node = {**root["$defs"][ref.removeprefix("#/$defs/")], **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _value_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return "string" if isinstance(value, str) else "integer" if isinstance(value, int) else "number"


def _json_types(node: dict[str, Any]) -> set[str]:
    """The JSON types a schema node allows (from ``type``, ``enum`` and ``const``)."""
    kind = node.get("type")
    types = set(kind) if isinstance(kind, list) else {kind} if kind else set()
    if "enum" in node:
        types |= {_value_type(v) for v in node["enum"]}
    if "const" in node:
        types.add(_value_type(node["const"]))
    return types


def _nullable(node: dict[str, Any]) -> bool:
    return "null" in _json_types(node)


class _Checker:
    def __init__(self, types: dict[str, SwiftType], root: dict[str, Any], mode: Mode):
        self.types, self.root, self.mode = types, root, mode
        self.problems: list[str] = []
        self.seen: set[tuple[str, str]] = set()

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def object(self, type_name: str, node: dict[str, Any], where: str) -> None:
        node = _resolve(node, self.root)
        key = (type_name, where)
        if key in self.seen:
            return
        self.seen.add(key)
        swift = self.types[type_name]
        if "object" not in _json_types(node):
            self.fail(where, f"Swift struct {type_name} where the schema has {sorted(_json_types(node))}")
            return
        if swift.coding_keys is None:
            self.fail(where, f"{type_name} has no CodingKeys: its JSON keys would be Swift's property names")
            return
        if (self.mode == "encode" and "encode" in swift.functions) or (self.mode == "decode" and ("from",) in swift.initializers):
            self.fail(where, f"{type_name} has a hand-written coder; this check reads synthesized Codable only")
        properties = node.get("properties", {})
        required = set(node.get("required", []))
        for prop in swift.properties:
            if prop not in swift.coding_keys:
                self.fail(where, f"{type_name}.{prop} has no CodingKeys case (it would not be coded, or coded under its Swift name)")
        for case, json_key in swift.coding_keys.items():
            if case not in swift.properties:
                self.fail(where, f"{type_name}.CodingKeys.{case} names no stored property")
                continue
            if json_key not in properties:
                self.fail(where, f"{type_name}.{case} is written as {json_key!r}, which the schema does not have "
                                 f"(schema keys: {', '.join(sorted(properties))})")  # fmt: skip
                continue
            ref = swift.properties[case]
            always = ref.kind != "optional"
            if self.mode == "decode" and always and json_key not in required:
                self.fail(where, f"{type_name}.{case} ({json_key}) is not Optional but the schema does not require it")
            self.value(ref, properties[json_key], f"{where}.{json_key}")
        if self.mode == "encode":
            written = {json_key: swift.properties.get(case) for case, json_key in swift.coding_keys.items()}
            for json_key in sorted(required):
                ref = written.get(json_key)
                if ref is None:
                    self.fail(where, f"required key {json_key!r} is not written by {type_name}")
                elif ref.kind == "optional":
                    self.fail(where, f"required key {json_key!r} is Optional in {type_name}: nil would leave it out "
                                     f"(use Nullable<...> if the schema allows null)")  # fmt: skip

    def value(self, ref: TypeRef, node: dict[str, Any], where: str) -> None:
        node = _resolve(node, self.root)
        types = _json_types(node)
        if ref.kind == "optional":
            self.value(ref.args[0], node, where)
            return
        if ref.kind == "named" and ref.name == "Nullable":
            if not _nullable(node):
                self.fail(where, "Nullable<...> writes null, which the schema does not allow here")
            self.value(ref.args[0], node, where)
            return
        if ref.kind == "array":
            if "array" not in types:
                self.fail(where, f"Swift {ref} where the schema has {sorted(types)}")
            elif "items" in node:
                self.value(ref.args[0], node["items"], f"{where}[]")
            return
        if ref.kind == "dictionary":
            if "object" not in types or not isinstance(node.get("additionalProperties"), dict):
                self.fail(where, f"Swift {ref} where the schema has no object of additionalProperties")
            elif ref.args[0] != TypeRef("named", "String"):
                self.fail(where, f"dictionary keys must be String, got {ref.args[0]}")
            else:
                self.value(ref.args[1], node["additionalProperties"], f"{where}{{}}")
            return
        if ref.kind != "named":
            self.fail(where, f"Swift type {ref} cannot be checked (write a plain type annotation)")
            return
        if ref.name in _SCALARS:
            wanted = _SCALARS[ref.name]
            if not wanted & types:
                self.fail(where, f"Swift {ref.name} where the schema has {sorted(types - {'null'})}")
            return
        if ref.name in _SCALAR_UNIONS:
            swift = self.types.get(ref.name)
            cases = set(swift.cases) if swift else set()
            if cases != set(_SCALAR_UNIONS[ref.name]):
                self.fail(where, f"{ref.name} cases {sorted(cases)} are not the ones this check knows")
            missing = set(_SCALAR_UNIONS[ref.name].values()) - types
            if missing:
                self.fail(where, f"{ref.name} writes {sorted(missing)}, which the schema does not allow here")
            return
        swift = self.types.get(ref.name)
        if swift is None:
            self.fail(where, f"Swift type {ref.name} is not declared in the checked sources")
        elif swift.kind == "enum":
            self.enum(swift, node, where)
        else:
            self.object(ref.name, node, where)

    def enum(self, swift: SwiftType, node: dict[str, Any], where: str) -> None:
        if "String" not in swift.conformances:
            self.fail(where, f"enum {swift.name} is not a String enum")
            return
        allowed = node.get("enum", [node["const"]] if "const" in node else None)
        if allowed is None:
            if "string" not in _json_types(node):
                self.fail(where, f"String enum {swift.name} where the schema has {sorted(_json_types(node))}")
            return
        for case, raw in swift.cases.items():
            if raw not in allowed:
                self.fail(where, f"{swift.name}.{case} writes {raw!r}, not one of the schema's {allowed}")


def check(types: dict[str, SwiftType], root_type: str, schema: dict[str, Any], mode: Mode) -> list[str]:
    """Every disagreement between the Swift type ``root_type`` (and its nested types) and ``schema``."""
    checker = _Checker(types, schema, mode)
    checker.object(root_type, schema, "$")
    return checker.problems
