"""ONNX target: the deploy network as one self-contained, simplified, reproducible ONNX file.

Usage::

    path = export_onnx(prepared, ArtifactOptions(get_target("onnx"), "fp32", out / "m.fp32.onnx", workspace))

The portable fp32 graph (built once per export, cached in the workspace) is the base of every
ONNX and ORT artifact:

1. ``torch.onnx.export`` of the deploy model with the TorchScript exporter (``dynamo=False``),
   opset 18, fixed batch 1, input ``image``, outputs ``verts`` and ``uv``. The TorchScript exporter
   is used because it needs no extra package (the dynamo exporter needs ``onnxscript``) and gives
   the same op set for this graph; both turn ``index_select`` into ``Gather``.
2. ``onnxsim`` simplification (constant folding of the Shape chains of ``Resize``, removal of
   ``Identity``/``Constant`` nodes); what it removed is recorded per op type.
3. The ``portable`` graph form (:mod:`mobrecon_export.graph_rewrites`).
4. Metadata props (variant, layout, topology source and hash, normalisation, units, tool versions),
   ``onnx.checker`` full check, saved without external data.

fp16 converts the portable graph with ONNX Runtime's float16 converter (float32 inputs and outputs
kept); int8 is :func:`mobrecon_export.quantize.quantize_onnx_int8`.
"""

from __future__ import annotations

import warnings
from collections import Counter
from pathlib import Path

import onnx
import torch

from mobrecon_export.common import ArtifactOptions, Prepared, TupleOutputs, export_step
from mobrecon_export.graph_rewrites import apply_graph_form
from mobrecon_export.manifest import CheckResult

__all__ = ["export_onnx", "portable_onnx", "quantized_onnx", "graph_form_onnx", "torch_to_onnx", "simplify", "set_metadata", "topological_sort",
           "save_onnx", "check_onnx", "op_counts"]


def op_counts(model: onnx.ModelProto) -> dict[str, int]:
    """Node count per op type, sorted by name."""
    return dict(sorted(Counter(n.op_type for n in model.graph.node).items()))


def torch_to_onnx(model: torch.nn.Module, example: torch.Tensor, path: Path, opset: int) -> onnx.ModelProto:
    """Export ``model`` (dict outputs ``verts``, ``uv``) at the example's fixed shape; returns the loaded graph."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        torch.onnx.export(
            TupleOutputs(model).eval(), (example,), str(path), dynamo=False, opset_version=opset,
            input_names=["image"], output_names=["verts", "uv"], do_constant_folding=True,
        )
    return onnx.load(str(path))


def simplify(model: onnx.ModelProto) -> tuple[onnx.ModelProto, dict]:
    """onnxsim where it helps: returns the simplified graph (or the input if onnxsim could not
    validate its result) and a report: node counts before/after and removed nodes per op type."""
    import onnxsim

    before = op_counts(model)
    simplified, ok = onnxsim.simplify(model)
    if not ok:
        return model, {"applied": False, "reason": "onnxsim could not validate the simplified graph", "nodes": sum(before.values())}
    after = op_counts(simplified)
    removed = {op: before[op] - after.get(op, 0) for op in before if before[op] > after.get(op, 0)}
    added = {op: after[op] - before.get(op, 0) for op in after if after[op] > before.get(op, 0)}
    return simplified, {
        "applied": True, "nodes_before": sum(before.values()), "nodes_after": sum(after.values()),
        "removed": removed, "added": added,
    }


def topological_sort(model: onnx.ModelProto) -> onnx.ModelProto:
    """Reorder nodes so every node follows its producers (the float16 converter appends its input
    Casts at the end, which ``onnx.checker`` rejects). Stable: keeps the original order where it can.
    In place; returns ``model``."""
    nodes = list(model.graph.node)
    available = {i.name for i in model.graph.input} | {i.name for i in model.graph.initializer} | {""}
    ordered: list[onnx.NodeProto] = []
    pending = nodes
    while pending:
        rest = []
        for node in pending:
            if all(name in available for name in node.input):
                ordered.append(node)
                available.update(node.output)
            else:
                rest.append(node)
        if len(rest) == len(pending):
            raise ValueError(f"graph has a cycle or an undefined input at node {rest[0].name!r}")
        pending = rest
    del model.graph.node[:]
    model.graph.node.extend(ordered)
    return model


def set_metadata(model: onnx.ModelProto, props: dict[str, str]) -> None:
    """Replace the model's ``metadata_props`` by ``props`` (sorted by key). In place."""
    del model.metadata_props[:]
    for key in sorted(props):
        entry = model.metadata_props.add()
        entry.key, entry.value = key, str(props[key])
    model.doc_string = props.get("mobrecon.description", model.doc_string)


def save_onnx(model: onnx.ModelProto, path: Path) -> Path:
    """Save as one self-contained file (no external data) and run the full ``onnx.checker``."""
    onnx.save_model(model, str(path), save_as_external_data=False)
    onnx.checker.check_model(str(path), full_check=True)
    return path


def portable_onnx(prepared: Prepared, opts: ArtifactOptions) -> Path:
    """The portable fp32 graph (built once per export; cached in the workspace)."""
    ws = opts.workspace
    if "onnx-fp32" in ws.cache:
        return ws.cache["onnx-fp32"]
    raw = ws.intermediates / f"{prepared.stem}.torch-export.onnx"
    opts.log("ONNX: torch.onnx.export (TorchScript exporter, opset %d, batch 1)" % opts.opset)
    model = torch_to_onnx(prepared.deploy, prepared.example, raw, opts.opset)
    model, report = simplify(model)
    opts.log(f"ONNX: onnxsim {report.get('nodes_before')} -> {report.get('nodes_after')} nodes, removed {report.get('removed')}")
    model, rewrites = apply_graph_form(model, "portable")
    set_metadata(model, {**prepared.metadata, "mobrecon.precision": "fp32", "mobrecon.graph_form": "portable",
                         "mobrecon.graph_rewrites": ",".join(k for k, v in rewrites.items() if v)})
    path = save_onnx(model, ws.intermediates / f"{prepared.stem}.portable.fp32.onnx")
    ws.cache["onnx-fp32"] = path
    ws.reports["onnx-fp32"] = {"exporter": "torch.onnx TorchScript (dynamo=False)",
                                                         "opset": opts.opset, "simplify": report, "rewrites": rewrites}
    return path


def quantized_onnx(prepared: Prepared, opts: ArtifactOptions) -> Path:
    """The int8 QDQ portable graph (built once per export)."""
    from mobrecon_export.quantize import quantize_onnx_int8

    return quantize_onnx_int8(prepared, opts, portable_onnx(prepared, opts))


def graph_form_onnx(prepared: Prepared, opts: ArtifactOptions, base: Path, form: str, precision: str) -> tuple[Path, dict]:
    """``base`` rewritten into graph ``form`` (cached); returns its path and the rewrite counts."""
    key = f"onnx-{form}-{precision}"
    ws = opts.workspace
    if key in ws.cache:
        return ws.cache[key], ws.reports[key]
    model, rewrites = apply_graph_form(onnx.load(str(base)), form)
    props = {p.key: p.value for p in model.metadata_props}
    props.update({"mobrecon.graph_form": form, "mobrecon.graph_rewrites": ",".join(k for k, v in rewrites.items() if v)})
    set_metadata(model, props)
    path = save_onnx(model, ws.intermediates / f"{prepared.stem}.{form}.{precision}.onnx")
    ws.cache[key] = path
    ws.reports[key] = rewrites
    return path, rewrites


@export_step("ONNX")
def export_onnx(prepared: Prepared, opts: ArtifactOptions) -> Path:
    """Write the ONNX artifact of ``opts.precision`` to ``opts.path`` and return the path."""
    base = portable_onnx(prepared, opts)
    opts.record.update(opts.workspace.reports["onnx-fp32"])
    if opts.precision == "fp32":
        model = onnx.load(str(base))
    elif opts.precision == "fp16":
        from onnxruntime.transformers.float16 import convert_float_to_float16

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = topological_sort(convert_float_to_float16(onnx.load(str(base)), keep_io_types=True))
        opts.record["fp16"] = "weights and compute float16; inputs and outputs stay float32 (Cast at the edges)"
    else:
        from mobrecon_export.quantize import quantize_onnx_int8

        model = onnx.load(str(quantize_onnx_int8(prepared, opts, base)))
        opts.record["quantization"] = opts.workspace.reports["onnx-int8"]
    props = {p.key: p.value for p in model.metadata_props} or {p.key: p.value for p in onnx.load(str(base)).metadata_props}
    props["mobrecon.precision"] = opts.precision
    set_metadata(model, props)
    return save_onnx(model, opts.path)


def check_onnx(path: Path) -> CheckResult:
    """Gate ``onnx-checker``: full ``onnx.checker`` pass, opset >= 18, one file, named tensors."""
    model = onnx.load(str(path))
    problems = []
    try:
        onnx.checker.check_model(model, full_check=True)
    except onnx.checker.ValidationError as exc:
        problems.append(f"onnx.checker: {str(exc).splitlines()[0]}")
    opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=0)
    if opset < 18:
        problems.append(f"opset {opset} < 18")
    external = [t.name for t in model.graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL]
    if external:
        problems.append(f"{len(external)} initializers use external data")
    names = ([i.name for i in model.graph.input], [o.name for o in model.graph.output])
    if names != (["image"], ["verts", "uv"]):
        problems.append(f"inputs/outputs are {names}, expected ['image'] -> ['verts', 'uv']")
    details = {"opset": opset, "nodes": len(model.graph.node), "ops": op_counts(model)}
    if problems:
        return CheckResult("onnx-checker", "fail", "; ".join(problems), details)
    return CheckResult("onnx-checker", "pass", f"onnx.checker clean, opset {opset}, {len(model.graph.node)} nodes, self-contained", details)
