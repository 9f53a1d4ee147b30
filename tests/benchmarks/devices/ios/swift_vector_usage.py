"""What Swift tests do with a JSON vector file, read from their syntax tree (no Swift toolchain here).

Three questions, each answered from the tree-sitter-swift tree, never by matching text:

- :func:`decode_problems`: would ``JSONDecoder`` decode the file into the test's ``Decodable`` types?
  The document is walked beside the types from a root type: every stored property's key (its
  CodingKeys raw value, else its name) must be in the object unless the property is Optional, each
  value must fit the Swift type (``Int`` an integer, ``UInt8`` 0...255, ``Double`` a number, ``Bool``,
  ``String``, arrays, ``[String: T]``, nested structs), and every key of the file must be decoded by
  some property (a key the port ignores is a quantity it never checks). Returns the Swift type
  found at each place of the document too (``$.cases[]`` -> ``CropCase``).
- :func:`read_fields`: which stored properties of those types the tests read, and which of them
  reach an assertion (``compare``, ``XCTAssert*``) either inside its arguments or through local
  ``let``s the arguments use (``let expected = c.crop_samples.map { $0[3] }`` ... ``expected:
  expected``); for ``compare`` only its ``expected:`` argument counts. Reads are typed: ``c.matrix`` counts for ``CropCase.matrix`` only when ``c`` is a
  ``CropCase`` (a parameter, a ``for c in vectors.cases`` over ``[CropCase]``, a property of the
  test class, a ``let`` of a typed expression); the same name on another type (``tf.matrix``) does
  not count. Functions that call ``compare`` but never ``report`` are listed too (their differences
  would never fail a test).
- :func:`static_literals`: the literal initialiser of each ``static let`` (to compare a port's
  constants with the file's), and :func:`imports` of a file.

Limits: no overloads, generics or closures' parameter types are resolved (a read through a closure
parameter, ``s in s[3]``, is not a field read); that is enough for the flat test code it checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tree_sitter import Node

from tests.benchmarks.devices.ios.swift_source import SwiftType, TypeRef, parse, property_bindings, type_ref

#: Calls whose arguments count as checked.
ASSERTIONS = frozenset({"compare", "XCTAssertEqual", "XCTAssertTrue", "XCTAssertFalse", "XCTAssertLessThanOrEqual",
                        "XCTAssertGreaterThanOrEqual", "XCTAssertLessThan", "XCTAssertGreaterThan"})  # fmt: skip
_INTEGERS = {"Int": None, "UInt8": (0, 255), "Int32": (-(2**31), 2**31 - 1), "UInt32": (0, 2**32 - 1)}
_NUMBERS = {"Double", "Float", "CGFloat"}


def _text(node: Node | None) -> str:
    return node.text.decode() if node is not None and node.text is not None else ""


def _base(name: str) -> str:
    """``CropVectors.CropCase`` -> ``CropCase`` (read_types keys nested types by their own name)."""
    return name.rsplit(".", 1)[-1]


def _json_keys(declared: SwiftType) -> dict[str, str]:
    """Stored property -> the JSON key it decodes."""
    keys = declared.coding_keys or {}
    return {prop: keys.get(prop, prop) for prop in declared.properties if declared.coding_keys is None or prop in keys}


@dataclass
class Decoding:
    """The result of :func:`decode_problems`.

    Attributes:
        problems: one sentence per place that would not decode, or a key nothing decodes.
        types_at: document place (``$``, ``$.cases[]``, ``$.warp``) -> the Swift type decoding it.
    """

    problems: list[str] = field(default_factory=list)
    types_at: dict[str, str] = field(default_factory=dict)

    def add(self, problem: str) -> None:
        if problem not in self.problems:
            self.problems.append(problem)


def decode_problems(types: dict[str, SwiftType], root: str, document: Any, file: str, ignored: Iterable[str] = ()) -> Decoding:
    """Walk ``document`` (parsed JSON) beside the Swift type ``root``, as ``JSONDecoder`` would.

    Args:
        types: the Swift types (:func:`~tests.benchmarks.devices.ios.swift_source.read_types`).
        root: name of the type the file is decoded into.
        document: the parsed file.
        file: its name, for the messages.
        ignored: keys that may stay undecoded (descriptive text such as ``what``).
    """
    result = Decoding()
    _decode(types, TypeRef("named", root), document, "$", file, set(ignored), result)
    return result


def _decode(types: dict[str, SwiftType], swift: TypeRef, value: Any, place: str, file: str, ignored: set[str], out: Decoding) -> None:
    if swift.kind == "optional":
        if value is not None:
            _decode(types, swift.args[0], value, place, file, ignored, out)
        return
    if swift.kind == "array":
        if not isinstance(value, list):
            out.add(f"{file} {place}: Swift {swift} where the file has {type(value).__name__}")
            return
        for item in value:
            _decode(types, swift.args[0], item, place + "[]", file, ignored, out)
        return
    if swift.kind == "dictionary":
        if not isinstance(value, dict) or _base(swift.args[0].name) != "String":
            out.add(f"{file} {place}: Swift {swift} where the file has {type(value).__name__}")
            return
        for item in value.values():
            _decode(types, swift.args[1], item, place + "{}", file, ignored, out)
        return
    name = _base(swift.name) if swift.kind == "named" else ""
    if name in _INTEGERS:
        bounds = _INTEGERS[name]
        ok = isinstance(value, int) and not isinstance(value, bool) and (bounds is None or bounds[0] <= value <= bounds[1])
        if not ok:
            out.add(f"{file} {place}: Swift {name} where the file has {value!r}")
    elif name in _NUMBERS:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            out.add(f"{file} {place}: Swift {name} where the file has {value!r}")
    elif name == "Bool":
        if not isinstance(value, bool):
            out.add(f"{file} {place}: Swift Bool where the file has {value!r}")
    elif name == "String":
        if not isinstance(value, str):
            out.add(f"{file} {place}: Swift String where the file has {value!r}")
    elif name in types:
        declared = types[name]
        if not isinstance(value, dict):
            out.add(f"{file} {place}: Swift {name} (an object) where the file has {type(value).__name__}")
            return
        out.types_at.setdefault(place, name)
        keys = _json_keys(declared)
        for prop, key in keys.items():
            child = f"{place}.{key}"
            if key not in value:
                if declared.properties[prop].kind != "optional":
                    out.add(f"{file} {child}: {name}.{prop} decodes key '{key}', which the file does not have (keyNotFound)")
                continue
            _decode(types, declared.properties[prop], value[key], child, file, ignored, out)
        for key in value:
            if key not in keys.values() and key not in ignored:
                out.add(f"{file} {place}.{key}: no property of {name} decodes it")
    else:
        out.add(f"{file} {place}: Swift type {swift} is not one the check knows (not a Decodable struct of the tests)")


@dataclass
class FieldReads:
    """The result of :func:`read_fields`.

    Attributes:
        read: ``(type, property)`` of every stored property read anywhere in the files.
        asserted: those read in an assertion's arguments or in a local those arguments use.
        unreported: ``file: function`` that call ``compare`` and never ``report``.
    """

    read: set[tuple[str, str]] = field(default_factory=set)
    asserted: set[tuple[str, str]] = field(default_factory=set)
    unreported: list[str] = field(default_factory=list)


def _callee(call: Node) -> str:
    """Name of the function a call_expression calls (``d.compare(...)`` -> ``compare``)."""
    target = call.named_children[0] if call.named_children else None
    if target is None:
        return ""
    if target.type == "simple_identifier":
        return _text(target)
    if target.type == "navigation_expression":
        suffix = next((c for c in target.named_children if c.type == "navigation_suffix"), None)
        return _text(suffix.named_children[-1]) if suffix is not None and suffix.named_children else ""
    return ""


def _label(argument: Node) -> str:
    """The label of a value_argument (``expected: x`` -> ``expected``), empty when unlabelled."""
    label = next((c for c in argument.named_children if c.type == "value_argument_label"), None)
    return _text(label.named_children[0]) if label is not None and label.named_children else ""


def _descendants(node: Node, kind: str) -> Iterable[Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == kind:
            yield current
        stack.extend(reversed(current.children))


class _Scope:
    """Names visible in one function: the class's stored properties, parameters, locals."""

    def __init__(self, types: dict[str, SwiftType], owner: str | None, names: dict[str, TypeRef]):
        self.types = types
        self.owner = owner
        self.names = dict(names)

    def type_of(self, node: Node) -> TypeRef | None:
        """Swift type of a simple identifier, ``self`` or a navigation chain over known structs."""
        if node.type == "simple_identifier":
            return self.names.get(_text(node))
        if node.type == "self_expression":
            return TypeRef("named", self.owner) if self.owner else None
        if node.type == "navigation_expression":
            target, suffix = node.named_children[0], node.named_children[-1]
            owner = self.type_of(target)
            while owner is not None and owner.kind == "optional":
                owner = owner.args[0]
            if owner is None or owner.kind != "named" or _base(owner.name) not in self.types or not suffix.named_children:
                return None
            return self.types[_base(owner.name)].properties.get(_text(suffix.named_children[-1]))
        return None

    def field_of(self, navigation: Node) -> tuple[str, str] | None:
        """``(type, property)`` a navigation expression reads, when its target's type is a known struct."""
        target, suffix = navigation.named_children[0], navigation.named_children[-1]
        owner = self.type_of(target)
        while owner is not None and owner.kind == "optional":
            owner = owner.args[0]
        if owner is None or owner.kind != "named" or not suffix.named_children:
            return None
        name, prop = _base(owner.name), _text(suffix.named_children[-1])
        if name in self.types and prop in self.types[name].properties:
            return name, prop
        return None


def _element(swift: TypeRef | None) -> TypeRef | None:
    while swift is not None and swift.kind == "optional":
        swift = swift.args[0]
    return swift.args[0] if swift is not None and swift.kind == "array" else None


def _parameters(function: Node) -> dict[str, TypeRef]:
    names: dict[str, TypeRef] = {}
    for parameter in (c for c in function.named_children if c.type == "parameter"):
        identifiers = [c for c in parameter.named_children if c.type == "simple_identifier"]
        typed = [c for c in parameter.named_children if c.type not in ("simple_identifier", "parameter_modifiers")]
        if identifiers and typed:
            names[_text(identifiers[-1])] = type_ref(typed[-1])
    return names


def _function_reads(function: Node, scope: _Scope, reads: FieldReads, where: str) -> None:
    body = function.child_by_field_name("body") or next((c for c in function.named_children if c.type in ("function_body", "computed_property")), None)
    if body is None:
        return
    # locals: `let x: T = ...`, `let x = <typed expression>`, `for x in <array>`; in passes, as one may use another
    initialisers: dict[str, Node] = {}
    for _ in range(4):
        for declaration in _descendants(body, "property_declaration"):
            value = next((c for c in declaration.named_children if c.type not in ("pattern", "type_annotation", "value_binding_pattern", "modifiers")), None)
            for name, swift in property_bindings(declaration).items():
                if value is not None:
                    initialisers[name] = value
                if swift.kind != "inferred":
                    scope.names[name] = swift
                elif value is not None and (inferred := scope.type_of(value)) is not None:
                    scope.names[name] = inferred
        for loop in _descendants(body, "for_statement"):
            pattern = next((c for c in loop.named_children if c.type == "pattern"), None)
            iterable = next((c for c in loop.named_children if c.type not in ("pattern", "where_clause", "statements")), None)
            if pattern is None or iterable is None or len(pattern.named_children) != 1 or pattern.named_children[0].type != "simple_identifier":
                continue
            name = _text(pattern.named_children[0])
            initialisers[name] = iterable
            if (element := _element(scope.type_of(iterable))) is not None:
                scope.names[name] = element

    def fields_in(node: Node) -> set[tuple[str, str]]:
        return {f for nav in _descendants(node, "navigation_expression") if (f := scope.field_of(nav)) is not None}

    # what each local carries, through the locals its initialiser uses
    carried = {name: fields_in(value) for name, value in initialisers.items()}
    for _ in range(len(carried)):
        changed = False
        for name, value in initialisers.items():
            for identifier in _descendants(value, "simple_identifier"):
                extra = carried.get(_text(identifier), set()) - carried[name]
                if extra and _text(identifier) != name:
                    carried[name] |= extra
                    changed = True
        if not changed:
            break
    reads.read |= fields_in(body)
    calls = list(_descendants(body, "call_expression"))
    for call in calls:
        if _callee(call) not in ASSERTIONS:
            continue
        suffix = next((c for c in call.named_children if c.type == "call_suffix"), None)
        if suffix is None:
            continue
        checked: list[Node] = [suffix]
        if _callee(call) == "compare":  # VectorDifferences.compare: only what is passed as `expected:` is the stored value
            checked = [a for a in _descendants(suffix, "value_argument") if _label(a) == "expected"]
        for argument in checked:
            reads.asserted |= fields_in(argument)
            for identifier in _descendants(argument, "simple_identifier"):
                reads.asserted |= carried.get(_text(identifier), set())
    names = {_callee(c) for c in calls}
    if "compare" in names and "report" not in names:
        reads.unreported.append(where)


def read_fields(paths: Iterable[Path], types: dict[str, SwiftType]) -> FieldReads:
    """Stored properties of ``types`` that the functions in ``paths`` read, and those they assert on."""
    reads = FieldReads()
    for path in paths:
        root = parse(Path(path).read_bytes())
        for function in _descendants(root, "function_declaration"):
            owner = function.parent.parent if function.parent is not None and function.parent.type in ("class_body", "enum_class_body") else None
            owner_name = _text(owner.child_by_field_name("name")) if owner is not None else None
            names = dict(types[owner_name].properties) if owner_name in types else {}
            names.update(_parameters(function))
            scope = _Scope(types, owner_name, names)
            _function_reads(function, scope, reads, f"{Path(path).name}: {_text(function.child_by_field_name('name'))}")
        for declaration in _descendants(root, "property_declaration"):  # computed properties of the test classes
            getter = next((c for c in declaration.named_children if c.type == "computed_property"), None)
            owner = declaration.parent.parent if declaration.parent is not None and declaration.parent.type == "class_body" else None
            owner_name = _text(owner.child_by_field_name("name")) if owner is not None else None
            if getter is not None and owner_name in types:
                scope = _Scope(types, owner_name, dict(types[owner_name].properties))
                reads.read |= {f for nav in _descendants(getter, "navigation_expression") if (f := scope.field_of(nav)) is not None}
    return reads


def static_literals(paths: Iterable[Path]) -> dict[tuple[str, str], str]:
    """``(type, name)`` -> the initialiser's source text of every ``static let`` with one."""
    found: dict[tuple[str, str], str] = {}
    for path in paths:
        root = parse(Path(path).read_bytes())
        for declaration in _descendants(root, "property_declaration"):
            modifiers = next((c for c in declaration.named_children if c.type == "modifiers"), None)
            if modifiers is None or "static" not in _text(modifiers).split():
                continue
            owner = declaration.parent.parent if declaration.parent is not None and declaration.parent.type in ("class_body", "enum_class_body") else None
            if owner is None:
                continue
            value = next((c for c in declaration.named_children if c.type not in ("pattern", "type_annotation", "value_binding_pattern", "modifiers")), None)
            for name in property_bindings(declaration):
                if value is not None:
                    found[(_text(owner.child_by_field_name("name")), name)] = _text(value)
    return found


def imports(path: Path) -> list[str]:
    """Modules a Swift file imports (``@testable`` or not), in order."""
    root = parse(Path(path).read_bytes())
    return [_text(next(c for c in node.named_children if c.type == "identifier")) for node in root.named_children if node.type == "import_declaration"]
