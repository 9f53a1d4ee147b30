"""ORT Mobile targets: ``.ort`` files for the NNAPI and CoreML execution providers, the reduced-build
operator configs, and the partition gate.

Usage::

    path = export_ort(prepared, ArtifactOptions(get_target("ort-nnapi"), "fp32", out / "m.nnapi.fp32.ort", ws))
    report = check_partitions(onnx_path, "NNAPI")          # CheckResult, verdict pass/fail

Each ``.ort`` is converted from its own ONNX graph form (:mod:`mobrecon_export.graph_rewrites`):
NNAPI takes ``Gather`` and rejects ``GatherND``, the CoreML EP (ML Program) takes ``GatherND`` and
rejects ``Gather`` and ``Abs``, so one graph cannot cover both. Conversion uses ONNX Runtime's own
``convert_onnx_models_to_ort`` with the ``Runtime`` optimization style (recommended for NNAPI and
CoreML: the file keeps basic-level nodes, and runtime optimizations are replayed only after the EP
has taken its partition) and target platform ``arm``. The converter's output is then rewritten in
canonical byte order (:mod:`mobrecon_export.ort_canonical`), so exports are byte-reproducible.

Gate ``ort-partition``: ONNX Runtime's mobile usability checker
(``onnxruntime.tools.mobile_helpers.usability_checker``, the code behind
``python -m onnxruntime.tools.check_onnx_model_mobile_usability``) on the graph the ``.ort`` was
built from, after the same BASIC optimization it applies. Pass = one partition covering 100% of
the nodes; anything else is refused with the offending ops and nodes.
"""

from __future__ import annotations

import contextlib
import io
import logging
import pathlib
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable

from mobrecon_export.common import ArtifactOptions, Prepared, export_step
from mobrecon_export.manifest import CheckResult
from mobrecon_export.onnx_export import graph_form_onnx, portable_onnx

__all__ = ["export_ort", "convert_to_ort", "write_required_operators", "check_partitions", "EP_CHECKS"]


def _nnapi(model, fixed: bool):
    from onnxruntime.tools.mobile_helpers import usability_checker

    return usability_checker.check_nnapi_partitions(model, fixed)


def _coreml_mlprogram(model, fixed: bool):
    from onnxruntime.tools.mobile_helpers import usability_checker

    return usability_checker.check_coreml_partitions(model, fixed, "coreml_supported_mlprogram_ops.md")


#: Accelerator (target row's ``accelerator``) -> the usability checker's partition function.
EP_CHECKS: dict[str, Callable] = {"NNAPI": _nnapi, "CoreML (ML Program)": _coreml_mlprogram}


def check_partitions(onnx_path: Path, accelerator: str) -> CheckResult:
    """Run ONNX Runtime's mobile usability check of ``accelerator`` on an ONNX graph.

    Returns:
        CheckResult with verdict ``pass`` only for one partition covering every node; details:
        nodes, supported_nodes, partitions, partition_sizes, unsupported_ops, unsupported_nodes
        (``op:name``), nodes_unsupported_due_to_dynamic_shape, ops_with_unsupported_rank, caveats
        (the checker's per-op notes it cannot verify statically).
    """
    from onnxruntime.tools.onnx_model_utils import ModelProtoWithShapeInfo, optimize_model

    with tempfile.TemporaryDirectory() as tmp:
        optimized = pathlib.Path(tmp) / onnx_path.name
        # the checker's own pre-step: BASIC-level optimization, as the .ort conversion does
        optimize_model(pathlib.Path(onnx_path), optimized, use_external_initializers=True)
        model = ModelProtoWithShapeInfo(optimized).model_with_shape_info
        logging.getLogger("usability_checker").setLevel(logging.WARNING)
        info = EP_CHECKS[accelerator](model, True)
    covered = {id(node) for group in info.supported_groups for node in group}
    unsupported_nodes = [f"{n.op_type}:{n.name}" for n in model.graph.node if id(n) not in covered]
    details = {
        "accelerator": accelerator,
        "nodes": info.num_nodes,
        "supported_nodes": info.num_supported_nodes,
        "partitions": info.num_partitions,
        "partition_sizes": [len(g) for g in info.supported_groups],
        "unsupported_ops": sorted(info.unsupported_ops),
        "unsupported_nodes": unsupported_nodes,
        "nodes_unsupported_due_to_dynamic_shape": info.nodes_unsupported_due_to_dynamic_input,
        "ops_with_unsupported_rank": sorted(info.ops_with_unsupported_rank),
        "caveats": info.supported_ops_checker.get_caveats(),
        "checker": "onnxruntime.tools.mobile_helpers.usability_checker (BASIC optimization first)",
    }
    coverage = f"{info.num_partitions} partition(s), {info.num_supported_nodes}/{info.num_nodes} nodes"
    if info.num_partitions == 1 and info.num_supported_nodes == info.num_nodes:
        return CheckResult("ort-partition", "pass", f"{accelerator}: {coverage} (100%)", details)
    why = []
    if info.unsupported_ops:
        why.append(f"unsupported ops {', '.join(sorted(info.unsupported_ops))}")
    if info.nodes_unsupported_due_to_dynamic_input:
        why.append(f"{info.nodes_unsupported_due_to_dynamic_input} nodes with dynamic-shape inputs")
    if info.ops_with_unsupported_rank:
        why.append(f"rank too high for {', '.join(sorted(info.ops_with_unsupported_rank))}")
    shown = ", ".join(unsupported_nodes[:8]) + (f" (+{len(unsupported_nodes) - 8} more)" if len(unsupported_nodes) > 8 else "")
    return CheckResult("ort-partition", "fail", f"{accelerator}: {coverage}; {'; '.join(why) or 'split partitions'}; nodes: {shown}", details)


def convert_to_ort(onnx_path: Path, ort_path: Path, config_path: Path) -> dict[str, Any]:
    """Convert one ONNX file to ORT format (Runtime optimization style, ARM target), canonical bytes.

    Writes ``ort_path`` and, at ``config_path``, the operator config of this one model (ops
    needed with and without the saved runtime optimizations). ONNX Runtime lays out part of the
    file in hash-map order, which varies from run to run; the file is rewritten in canonical
    order (:mod:`mobrecon_export.ort_canonical`), so the same graph always gives the same bytes.

    Returns:
        What the canonicalisation rewrote (bytes before the model region, old and new).
    """
    from onnxruntime.tools.convert_onnx_models_to_ort import OptimizationStyle, convert_onnx_models_to_ort

    from mobrecon_export.ort_canonical import canonicalize_ort

    with tempfile.TemporaryDirectory(dir=ort_path.parent) as tmp:
        src, out = Path(tmp) / "in", Path(tmp) / "out"
        src.mkdir()
        shutil.copy(onnx_path, src / "model.onnx")
        with contextlib.redirect_stdout(io.StringIO()), _quiet_ort_tools():
            convert_onnx_models_to_ort(src, output_dir=out, optimization_styles=[OptimizationStyle.Runtime], target_platform="arm")
        shutil.move(out / "model.with_runtime_opt.ort", ort_path)
        shutil.move(out / "required_operators.with_runtime_opt.config", config_path)
    return canonicalize_ort(ort_path)


@contextlib.contextmanager
def _quiet_ort_tools():
    """Silence the converter's info logging and ONNX Runtime's C++ warnings while converting."""
    import onnxruntime

    logger = logging.getLogger("ort_format_model.utils")
    level = logger.level
    logger.setLevel(logging.WARNING)
    onnxruntime.set_default_logger_severity(3)
    try:
        yield
    finally:
        logger.setLevel(level)
        onnxruntime.set_default_logger_severity(2)


def write_required_operators(configs: list[Path], artifact_names: list[str], out: Path, accelerator: str) -> Path:
    """Merge per-artifact operator configs into one reduced-build config for ``accelerator``.

    The file is what ``build.py --include_ops_by_config`` takes; it lists, per domain and opset,
    every op any of ``artifact_names`` needs. Header comments name the artifacts (no temp paths).
    """
    ops: dict[tuple[str, str], set[str]] = {}
    for config in configs:
        for line in config.read_text().splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            domain, opset, names = line.split(";", 2)
            ops.setdefault((domain, opset), set()).update(n for n in names.split(",") if n)
    lines = [f"# ONNX Runtime reduced-build operator config for the {accelerator} execution provider build",
             "# (ops needed with and without the saved runtime optimizations). Generated from:"]
    lines += [f"# - {name}" for name in sorted(artifact_names)]
    lines += [f"{domain};{opset};{','.join(sorted(names))}" for (domain, opset), names in sorted(ops.items(), key=lambda kv: (kv[0][0], int(kv[0][1])))]
    out.write_text("\n".join(lines) + "\n")
    return out


@export_step("ORT")
def export_ort(prepared: Prepared, opts: ArtifactOptions) -> Path:
    """Write the ``.ort`` artifact of ``opts.target`` / ``opts.precision`` to ``opts.path`` and return it.

    Records in ``opts.record``: the graph form and its rewrites, ``_graph`` (the ONNX file the gate
    checks) and ``_config`` (this artifact's operator config).
    """
    if opts.precision == "int8":
        from mobrecon_export.onnx_export import quantized_onnx

        base = quantized_onnx(prepared, opts)
    else:
        base = portable_onnx(prepared, opts)
    graph, form_rewrites = graph_form_onnx(prepared, opts, base, opts.target.graph_form, opts.precision)
    portable = opts.workspace.reports["onnx-fp32"]["rewrites"]  # already applied to the base graph
    rewrites = {name: portable.get(name, 0) + form_rewrites.get(name, 0) for name in sorted({*portable, *form_rewrites})}
    opts.record.update({"graph_form": opts.target.graph_form, "rewrites": rewrites, "optimization_style": "Runtime",
                        "target_platform": "arm", "_graph": graph})
    if opts.precision == "int8":
        opts.record["quantization"] = opts.workspace.reports.get("onnx-int8", {})
    config = opts.workspace.intermediates / f"{opts.path.name}.required_operators.config"
    opts.record["canonical_bytes"] = convert_to_ort(graph, opts.path, config)
    opts.record["_config"] = config
    return opts.path
