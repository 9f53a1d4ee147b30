"""Canonical byte layout for ``.ort`` files, so two conversions of the same graph are byte-identical.

Usage::

    report = canonicalize_ort(Path("m.nnapi.fp32.ort"))    # in place; what was rewritten
    table = read_kernel_type_str_resolver(data)             # [(op_id, [(type_str, [(arg_type, index)])])]

Why the bytes vary: an ``.ort`` file is a FlatBuffer (``fbs.InferenceSession``, schema
``onnxruntime/core/flatbuffers/schema/ort.fbs``). ``InferenceSession::SaveToOrtFormat`` writes, in
this order, the format version string, the whole ``Model``, then a ``KernelTypeStrResolver`` (for
each op in the graph: its kernel type strings such as ``T`` and the inputs/outputs they bind), then
the ``InferenceSession`` root table. ``KernelTypeStrResolver::SaveToOrtFormat`` walks an
``InlinedHashMap`` (abseil ``flat_hash_map``), whose iteration order abseil randomises on purpose;
it differs between processes, between conversions in one process and with ASLR disabled
(measured). The two vectors it writes are sorted (``CreateVectorOfSortedTables``), so the logical
content is the same every time, but the tables and strings behind them land at different offsets.
FlatBuffers are built back to front, so all of this sits in the first ~2 kB of the file, before
the ``Model``; the ``Model`` bytes themselves are identical from run to run.

The fix: keep every byte from the ``Model`` table's vtable to the end of the file as it is (it
references nothing written after it), and rebuild the bytes before it, the resolver and the root
table, with the entries written in sorted order. The result holds the same resolver, the same
model bytes and the same version string; it is what ONNX Runtime would write if its hash map
iterated in key order. Alignment: the kept region keeps its offsets from the end of the buffer and
the buffer length stays a multiple of the alignment the original length had (up to 64 bytes), so
every scalar keeps the alignment ONNX Runtime's verifier checks.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

from mobrecon_export.errors import ExportError

__all__ = ["canonicalize_ort", "canonical_ort_bytes", "read_kernel_type_str_resolver", "ORT_FILE_IDENTIFIER"]

#: FlatBuffers file identifier of ORT format models (``file_identifier "ORTM"`` in ort.fbs).
ORT_FILE_IDENTIFIER = b"ORTM"

#: ``InferenceSession`` field slots in ort.fbs: ort_version, model, session_state (deprecated), kernel_type_str_resolver.
_SESSION_FIELDS = 4
_SESSION_STATE_VOFFSET = 8

#: Largest alignment the kept region is assumed to need (FlatBuffers scalars need at most 8).
_MAX_ALIGNMENT = 64

ResolverTable = list[tuple[bytes, list[tuple[bytes, list[tuple[int, int]]]]]]


def _fbs():
    """ONNX Runtime's generated Python bindings of ort.fbs (the schema of the installed runtime)."""
    import onnxruntime.tools.ort_format_model  # noqa: F401 - puts its ``ort_flatbuffers_py`` bindings on sys.path
    from ort_flatbuffers_py.fbs import (
        ArgTypeAndIndex, InferenceSession, KernelTypeStrArgsEntry, KernelTypeStrResolver, OpIdKernelTypeStrArgsEntry,
    )

    return ArgTypeAndIndex, InferenceSession, KernelTypeStrArgsEntry, KernelTypeStrResolver, OpIdKernelTypeStrArgsEntry


def _fn(module, name: str):
    """A builder function of a generated table module by its long name, e.g. ``KernelTypeStrArgsEntryAddArgs``
    (the short aliases, ``AddArgs``, are missing from the bindings older ONNX Runtime releases ship)."""
    return getattr(module, module.__name__.rsplit(".", 1)[-1] + name)


def _session(data: bytes):
    _, inference_session, *_ = _fbs()
    if len(data) < 8 or data[4:8] != ORT_FILE_IDENTIFIER:
        raise ExportError("not an ORT format model (no ORTM file identifier)")
    cls = inference_session.InferenceSession
    return (getattr(cls, "GetRootAs", None) or cls.GetRootAsInferenceSession)(data, 0)  # older bindings: the long name only


def read_kernel_type_str_resolver(data: bytes) -> ResolverTable:
    """The kernel type string resolver of an ``.ort`` buffer as sorted plain data.

    Returns:
        ``[(op_id, [(kernel_type_str, [(arg_type, index), ...]), ...]), ...]``, ops sorted by
        ``op_id`` (``domain:op_type:since_version``), type strings sorted within each op; the
        argument lists keep their order (it is meaningful). ``arg_type`` 0 = input, 1 = output.
    """
    resolver = _session(data).KernelTypeStrResolver()
    if resolver is None:
        return []
    table: ResolverTable = []
    for i in range(resolver.OpKernelTypeStrArgsLength()):
        op = resolver.OpKernelTypeStrArgs(i)
        strs = []
        for j in range(op.KernelTypeStrArgsLength()):
            entry = op.KernelTypeStrArgs(j)
            args = [(entry.Args(k).ArgType(), entry.Args(k).Index()) for k in range(entry.ArgsLength())]
            strs.append((entry.KernelTypeStr(), args))
        table.append((op.OpId(), sorted(strs, key=lambda s: s[0])))
    return sorted(table, key=lambda t: t[0])


def _kept_region_start(data: bytes, session) -> tuple[int, int, int]:
    """(start of the kept region, Model table position, version string position) in ``data``."""
    tab = session._tab
    vtable = tab.Pos - struct.unpack_from("<i", data, tab.Pos)[0]
    vtable_size = struct.unpack_from("<H", data, vtable)[0]
    extra = [struct.unpack_from("<H", data, vtable + 4 + 2 * k)[0] for k in range(_SESSION_FIELDS, (vtable_size - 4) // 2)]
    if any(extra) or (vtable_size > _SESSION_STATE_VOFFSET and tab.Offset(_SESSION_STATE_VOFFSET)):
        raise ExportError("the .ort root table has fields this canonicaliser does not know (newer ORT format?)")
    model = session.Model()
    version_field = tab.Offset(4)
    if model is None or not version_field:
        raise ExportError("the .ort file has no model or no format version")
    model_pos = model._tab.Pos
    model_vtable = model_pos - struct.unpack_from("<i", data, model_pos)[0]
    version_pos = tab.Indirect(tab.Pos + version_field)
    start = min(model_pos, model_vtable)
    if version_pos < start or tab.Pos >= start:
        raise ExportError("the .ort file is not laid out as ONNX Runtime writes it (version, model, resolver, root)")
    return start, model_pos, version_pos


class _ResolverWriter:
    """Writes a :data:`ResolverTable` into a FlatBuffers builder, in table order, strings shared."""

    def __init__(self, builder) -> None:
        self.builder = builder
        self.strings: dict[bytes, int] = {}
        self.arg, _, self.type_str_entry, self.resolver, self.op_entry = _fbs()

    def string(self, value: bytes) -> int:
        if value not in self.strings:
            self.strings[value] = self.builder.CreateString(value)
        return self.strings[value]

    def vector(self, offsets: list[int], start_vector) -> int:
        start_vector(self.builder, len(offsets))
        for offset in reversed(offsets):
            self.builder.PrependUOffsetTRelative(offset)
        return self.builder.EndVector()

    def table(self, module, fields: list[tuple[str, int]]) -> int:
        """One table of ``module`` with (field, value) pairs, e.g. ``[("AddArgs", offset)]``."""
        _fn(module, "Start")(self.builder)
        for field, value in fields:
            _fn(module, field)(self.builder, value)
        return _fn(module, "End")(self.builder)

    def write(self, table: ResolverTable) -> int:
        arg, ts, op = self.arg, self.type_str_entry, self.op_entry
        ops = []
        for op_id, type_strs in table:
            entries = []
            for type_str, args in type_strs:
                arg_offsets = [self.table(arg, [("AddArgType", arg_type), ("AddIndex", index)]) for arg_type, index in args]
                args_vector = self.vector(arg_offsets, _fn(ts, "StartArgsVector"))
                entries.append(self.table(ts, [("AddKernelTypeStr", self.string(type_str)), ("AddArgs", args_vector)]))
            entries_vector = self.vector(entries, _fn(op, "StartKernelTypeStrArgsVector"))
            ops.append(self.table(op, [("AddOpId", self.string(op_id)), ("AddKernelTypeStrArgs", entries_vector)]))
        ops_vector = self.vector(ops, _fn(self.resolver, "StartOpKernelTypeStrArgsVector"))
        return self.table(self.resolver, [("AddOpKernelTypeStrArgs", ops_vector)])


def canonical_ort_bytes(data: bytes) -> tuple[bytes, dict[str, Any]]:
    """The canonical form of an ``.ort`` buffer, and what was rewritten (see the module docstring).

    Raises:
        ExportError: not an ORT format buffer, or laid out differently from what this code handles;
            or the rebuilt buffer does not read back the same (never written then).
    """
    import flatbuffers

    _, inference_session, *_ = _fbs()
    session = _session(data)
    start, model_pos, version_pos = _kept_region_start(data, session)
    table = read_kernel_type_str_resolver(data)
    region = data[start:]
    alignment = min(len(data) & -len(data), _MAX_ALIGNMENT)

    builder = flatbuffers.Builder(len(region) + 4 * start + 1024)
    # the kept region, byte for byte, at the end of the buffer (FlatBuffers are built back to front;
    # offsets are measured from the end, so every offset into the region stays valid)
    builder.head = len(builder.Bytes) - len(region)
    builder.Bytes[builder.head:] = region
    builder.minalign = alignment
    writer = _ResolverWriter(builder)
    resolver = writer.write(table)
    root = writer.table(inference_session, [("AddOrtVersion", len(data) - version_pos), ("AddModel", len(data) - model_pos),
                                            ("AddKernelTypeStrResolver", resolver)])
    builder.Finish(root, file_identifier=ORT_FILE_IDENTIFIER)
    out = bytes(builder.Output())

    # read back: same resolver, same version, the model region untouched and still where offsets say
    again = _session(out)
    if (read_kernel_type_str_resolver(out) != table or again.OrtVersion() != session.OrtVersion()
            or out[len(out) - len(region):] != region or again.Model()._tab.Pos != len(out) - (len(data) - model_pos)):
        raise ExportError("canonical .ort does not read back as the original (resolver, version or model differ)")
    report = {"method": "mobrecon_export.ort_canonical: kernel type string resolver rewritten in sorted order",
              "rewritten_bytes": start, "written_bytes": len(out) - len(region), "kept_bytes": len(region),
              "resolver_ops": len(table), "alignment": alignment}
    return out, report


def canonicalize_ort(path: Path) -> dict[str, Any]:
    """Rewrite an ``.ort`` file in its canonical form, in place (via a temp file and rename).

    Returns:
        What was rewritten: bytes before the model region (old and new), bytes kept, resolver ops.
    """
    path = Path(path)
    data, report = canonical_ort_bytes(path.read_bytes())
    tmp = path.with_name(path.name + ".canonical")
    tmp.write_bytes(data)
    tmp.replace(path)
    return report
