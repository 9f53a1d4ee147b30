"""Swift source read through the ``tree-sitter-swift`` grammar: parse errors, and the Codable types.

This machine has no Swift toolchain, so the iOS harness is checked here by its syntax tree:
every ``.swift`` file must parse without an ERROR or MISSING node, and the result/bundle types'
stored properties, CodingKeys and String-enum raw values are read from the tree (not by regular
expressions over the text) for the schema check in ``test_swift_schema_keys.py``.

Usage::

    types = read_types(sorted(Path("ios_harness/Sources").rglob("*.swift")))
    types["ResultRecord"].coding_keys["medianMs"]     # "median_ms"
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from tree_sitter import Language, Node, Parser


@cache
def parser() -> Parser:
    import tree_sitter_swift

    return Parser(Language(tree_sitter_swift.language()))


def parse(source: bytes) -> Node:
    """The root node of a Swift source."""
    return parser().parse(source).root_node


def syntax_problems(source: bytes, limit: int = 5) -> list[str]:
    """``line:column: ERROR|MISSING <text>`` for the first ``limit`` bad nodes; empty when the source parses."""
    problems: list[str] = []

    def walk(node: Node) -> None:
        if len(problems) >= limit:
            return
        if node.type == "ERROR" or node.is_missing:
            kind = "MISSING" if node.is_missing else "ERROR"
            text = node.text.decode(errors="replace").splitlines()[0][:60] if node.text else node.type
            problems.append(f"{node.start_point[0] + 1}:{node.start_point[1] + 1}: {kind} {text!r}")
        for child in node.children:
            walk(child)

    walk(parse(source))
    return problems


@dataclass(frozen=True)
class TypeRef:
    """A Swift type as written: ``named`` (with generic ``args``), ``optional``, ``array``, ``dictionary``,
    ``other`` (tuples, functions: the text in ``name``) or ``inferred`` (no type written)."""

    kind: str
    name: str = ""
    args: tuple[TypeRef, ...] = ()

    def __str__(self) -> str:
        if self.kind == "optional":
            return f"{self.args[0]}?"
        if self.kind == "array":
            return f"[{self.args[0]}]"
        if self.kind == "dictionary":
            return f"[{self.args[0]}: {self.args[1]}]"
        return self.name + (f"<{', '.join(map(str, self.args))}>" if self.args else "")


@dataclass
class SwiftType:
    """A struct, enum or class declaration.

    Attributes:
        name: the type's name (nested types keep their own name).
        kind: struct, enum or class.
        conformances: names after the colon (Encodable, String, CodingKey...).
        properties: stored instance properties in order: name -> type.
        coding_keys: CodingKeys case -> key (the raw value, or the case name); None without CodingKeys.
        cases: enum case -> raw value (the case name when none is given).
        functions: names of the methods declared in the body.
        initializers: argument labels of each ``init`` declared in the body, e.g. ``("from",)``.
        file: the source file.
    """

    name: str
    kind: str
    conformances: list[str] = field(default_factory=list)
    properties: dict[str, TypeRef] = field(default_factory=dict)
    coding_keys: dict[str, str] | None = None
    cases: dict[str, str] = field(default_factory=dict)
    functions: list[str] = field(default_factory=list)
    initializers: list[tuple[str, ...]] = field(default_factory=list)
    file: str = ""


def _text(node: Node | None) -> str:
    return node.text.decode() if node is not None and node.text is not None else ""


def type_ref(node: Node) -> TypeRef:
    """The TypeRef of a type node (user_type, optional_type, array_type, dictionary_type)."""
    if node.type == "type_annotation":
        return type_ref(node.named_children[-1])
    if node.type == "optional_type":
        return TypeRef("optional", args=(type_ref(node.named_children[0]),))
    if node.type == "array_type":
        return TypeRef("array", args=(type_ref(node.named_children[0]),))
    if node.type == "dictionary_type":
        key, value = node.named_children[:2]
        return TypeRef("dictionary", args=(type_ref(key), type_ref(value)))
    if node.type == "user_type":
        names = [_text(c) for c in node.named_children if c.type == "type_identifier"]
        arguments = next((c for c in node.named_children if c.type == "type_arguments"), None)
        args = tuple(type_ref(c) for c in arguments.named_children) if arguments is not None else ()
        return TypeRef("named", ".".join(names), args)
    return TypeRef("other", _text(node))  # tuples, functions...: never a schema field


def _declaration_kind(node: Node) -> str:
    return next((c.type for c in node.children if c.type in ("struct", "enum", "class", "actor", "extension")), "class")


def _is_stored_instance_property(node: Node) -> bool:
    modifiers = next((c for c in node.children if c.type == "modifiers"), None)
    words = _text(modifiers).split() if modifiers is not None else []
    if "static" in words or "class" in words or "lazy" in words:
        return False
    return not any(c.type in ("computed_property",) for c in node.children)


def property_bindings(declaration: Node) -> dict[str, TypeRef]:
    """name -> type of every name a ``property_declaration`` binds, in order.

    ``let a, b: Double`` gives both ``a`` and ``b`` the annotation that follows them; a name with a
    value and no annotation (``let c = 1``) is ``inferred``.
    """
    bound: dict[str, TypeRef] = {}
    pending: list[str] = []
    for child in declaration.children:
        if child.type == "pattern":
            pending.append(_text(child))
        elif child.type == "type_annotation":
            bound.update((name, type_ref(child)) for name in pending)
            pending = []
        elif child.is_named and child.type not in ("modifiers", "value_binding_pattern", "comment", "computed_property"):
            bound.update((name, TypeRef("inferred", name)) for name in pending)  # the value of `name = value`
            pending = []
    bound.update((name, TypeRef("inferred", name)) for name in pending)
    return bound


def _enum_cases(body: Node) -> dict[str, str]:
    """case name -> raw value (or the name), for ``case a``, ``case b = "x"`` and ``case c, d``."""
    cases: dict[str, str] = {}
    for entry in (c for c in body.named_children if c.type == "enum_entry"):
        last = None
        for child in entry.named_children:
            if child.type == "simple_identifier":
                last = _text(child)
                cases[last] = last
            elif child.type == "line_string_literal" and last is not None:
                cases[last] = "".join(_text(c) for c in child.named_children if c.type == "line_str_text")
    return cases


def _read_type(node: Node, file: str) -> Iterator[SwiftType]:
    name_node = node.child_by_field_name("name")
    declared = SwiftType(name=type_ref(name_node).name if name_node.type == "user_type" else _text(name_node),
                         kind=_declaration_kind(node), file=file)  # fmt: skip
    declared.conformances = [_text(c.named_children[0]) for c in node.named_children if c.type == "inheritance_specifier"]
    body = node.child_by_field_name("body")
    if body is None:
        yield declared
        return
    if body.type == "enum_class_body":
        declared.cases = _enum_cases(body)
    for member in body.named_children:
        if member.type == "property_declaration" and _is_stored_instance_property(member):
            declared.properties.update(property_bindings(member))
        elif member.type == "class_declaration":
            nested = list(_read_type(member, file))
            if nested and nested[0].name == "CodingKeys":
                declared.coding_keys = nested[0].cases
            yield from nested
        elif member.type == "function_declaration":
            declared.functions.append(_text(member.child_by_field_name("name")))
        elif member.type == "init_declaration":
            labels = []
            for parameter in (c for c in member.named_children if c.type == "parameter"):
                label = parameter.child_by_field_name("external_name") or parameter.child_by_field_name("name")
                labels.append(_text(label))
            declared.initializers.append(tuple(labels))
    yield declared


def read_types(paths: Iterable[Path]) -> dict[str, SwiftType]:
    """Every top-level and nested struct/enum/class of the files, by name (extensions skipped).

    Raises:
        ValueError: two types share a name.
    """
    types: dict[str, SwiftType] = {}
    for path in paths:
        root = parse(Path(path).read_bytes())
        for node in root.named_children:
            if node.type != "class_declaration" or _declaration_kind(node) == "extension":
                continue
            for declared in _read_type(node, str(path)):
                if declared.name == "CodingKeys":
                    continue
                if declared.name in types:
                    raise ValueError(f"type {declared.name} is declared twice ({types[declared.name].file}, {path})")
                types[declared.name] = declared
    return types
