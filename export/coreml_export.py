"""Core ML target: an ML Program ``.mlpackage`` converted from PyTorch with coremltools (no ONNX).

Usage::

    path = export_coreml(prepared, ArtifactOptions(get_target("coreml"), "fp16", out / "m.fp16.mlpackage", ws))
    report = scan_ane_ops(path, "fp16")        # CheckResult: MIL ops, flagged ops

Conversion: ``torch.export`` of the deploy model (``torch.jit.trace`` if that fails), then
``coremltools.convert`` to an ML Program, minimum deployment target iOS 16, input ``image``
[1, 3, 128, 128] float32, outputs ``verts`` and ``uv`` float32 at every precision; fp32 and fp16
set ``compute_precision``; int8 compresses the fp16 program's weights to 8 bits
(:mod:`mobrecon_export.quantize`). Metadata: author, licence, short description, version, and
user-defined entries (variant, topology hash, normalisation, units, tool versions).

Prediction with Core ML needs macOS or iOS: on Linux ``coremltools`` can convert and inspect but
not run a model, so these artifacts are checked by their MIL op list and weight-level error only.
"""

from __future__ import annotations

import contextlib
import logging
import io
import json
import uuid
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import torch

from mobrecon_export.common import ArtifactOptions, Prepared, TupleOutputs, export_step
from mobrecon_export.manifest import CheckResult

__all__ = ["export_coreml", "make_reproducible", "scan_ane_ops", "mil_op_counts", "ANE_UNSUPPORTED_OPS", "COREML_AUTHOR", "MINIMUM_TARGET"]

#: Minimum deployment target of every Core ML artifact (ML Program needs iOS 15; iOS 16 adds fp16 I/O and ops).
MINIMUM_TARGET = "iOS16"
COREML_AUTHOR = "mobrecon-deploy (MobRecon, Chen et al., CVPR 2022; HandMesh reference code)"

#: MIL ops known not to run on the Apple Neural Engine: Core ML runs them on GPU or CPU and splits
#: the program around them. Apple publishes no list; this is the community-maintained one in
#: github.com/hollance/neural-engine, docs/unsupported-layers.md ("gather", RNN layers such as
#: LSTM/GRU, custom layers, dilated convolutions; "some of these are guesses"), mapped to MIL op
#: names. Dilated convolutions are a parameter of ``conv`` and are not scanned here.
ANE_UNSUPPORTED_OPS: dict[str, str] = {
    "gather": "gather layers are listed as not running on the ANE (hollance/neural-engine)",
    "gather_nd": "gather layers are listed as not running on the ANE (hollance/neural-engine)",
    "gather_along_axis": "gather layers are listed as not running on the ANE (hollance/neural-engine)",
    "lstm": "RNN layers are listed as not running on the ANE (hollance/neural-engine)",
    "gru": "RNN layers are listed as not running on the ANE (hollance/neural-engine)",
    "rnn": "RNN layers are listed as not running on the ANE (hollance/neural-engine)",
}

#: Why an fp32 program is flagged: coremltools docs, "Typed Execution Workflow Example": a float 16
#: typed model "is eligible to execute on a combination of the Neural Engine, GPU and CPU", a float
#: 32 typed model "will execute on a combination of the GPU and CPU".
FP32_NOTE = "fp32 ML Programs execute on GPU and CPU only; the Neural Engine runs fp16 programs (coremltools docs, typed execution)"


@contextlib.contextmanager
def _quiet():
    """Silence coremltools' import and conversion chatter (progress bars, torch-version warning, and
    its logger: the Linux-only "Failed to load _MLModelProxy" and int64->int32 notices)."""
    logger = logging.getLogger("coremltools")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _import_ct():
    with _quiet():
        import coremltools as ct
        import coremltools.optimize.coreml  # noqa: F401
    return ct


def _program_source(prepared: Prepared) -> tuple[Any, str]:
    """``torch.export`` program of the deploy model, else a TorchScript trace."""
    module = TupleOutputs(prepared.deploy).eval()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return torch.export.export(module, (prepared.example,)).run_decompositions({}), "torch.export"
    except Exception:  # noqa: BLE001 - any export failure falls back to tracing
        with torch.no_grad():
            return torch.jit.trace(module, (prepared.example,)), "torch.jit.trace"


def _convert(prepared: Prepared, opts: ArtifactOptions, precision: str):
    """Converted MLModel at fp32 or fp16 compute precision (cached per precision)."""
    ct = _import_ct()
    key = f"coreml-{precision}"
    if key in opts.workspace.models:
        return opts.workspace.models[key]
    if "coreml-source" not in opts.workspace.models:
        opts.workspace.models["coreml-source"] = _program_source(prepared)
    source, how = opts.workspace.models["coreml-source"]
    opts.log(f"Core ML: converting ({how}) at {precision} compute precision")
    with _quiet():
        mlmodel = ct.convert(
            source,
            inputs=[ct.TensorType(name="image", shape=tuple(prepared.inputs[0].shape), dtype=np.float32)],
            outputs=[ct.TensorType(name=o.name, dtype=np.float32) for o in prepared.outputs],
            minimum_deployment_target=getattr(ct.target, MINIMUM_TARGET),
            convert_to="mlprogram",
            compute_precision=ct.precision.FLOAT32 if precision == "fp32" else ct.precision.FLOAT16,
            skip_model_load=True,
        )
    opts.workspace.models[key] = mlmodel
    opts.workspace.reports["coreml-source"] = how
    return mlmodel


def _weights(mlmodel) -> dict[str, np.ndarray]:
    """Float weight tensors of a program, keyed by their fp32 name (cast/compression suffixes dropped)."""
    from coremltools.optimize.coreml import get_weights_metadata

    with _quiet():
        meta = get_weights_metadata(mlmodel, weight_threshold=2048)
    out = {}
    for name, m in meta.items():
        if np.issubdtype(m.val.dtype, np.floating):
            out[name.removesuffix("_quantized").removesuffix("_to_fp16")] = np.asarray(m.val, np.float32)
    return out


def _compress_int8(opts: ArtifactOptions, fp16_model):
    """8-bit linear symmetric per-channel weight compression of the fp16 program."""
    from coremltools.optimize.coreml import OpLinearQuantizerConfig, OptimizationConfig, decompress_weights, linear_quantize_weights

    config = OptimizationConfig(global_config=OpLinearQuantizerConfig(mode="linear_symmetric", dtype="int8",
                                                                      granularity="per_channel", weight_threshold=2048))
    opts.log("Core ML: 8-bit linear weight compression of the fp16 program")
    with _quiet():
        compressed = linear_quantize_weights(fp16_model, config=config)
        restored = decompress_weights(compressed)
    opts.record["compression"] = {"method": "coremltools.optimize.coreml.linear_quantize_weights",
                                  "mode": "linear_symmetric", "dtype": "int8", "granularity": "per_channel",
                                  "weight_threshold": 2048}
    return compressed, restored


def _set_metadata(mlmodel, prepared: Prepared, precision: str) -> None:
    meta = prepared.metadata
    mlmodel.author = COREML_AUTHOR
    mlmodel.license = meta.get("mobrecon.license", "")
    mlmodel.short_description = (
        f"MobRecon {prepared.source.variant} hand mesh from a 128x128 RGB crop ({precision}). "
        f"Input 'image': {prepared.normalisation['description']}. Outputs: 'verts' and 'uv' (see user-defined metadata)."
    )
    mlmodel.version = meta.get("mobrecon.version", "")
    mlmodel.input_description["image"] = f"[1, 3, 128, 128] float32 RGB crop, {prepared.normalisation['description']}"
    for spec in prepared.outputs:
        mlmodel.output_description[spec.name] = f"{list(spec.shape)} float32, {spec.unit}"
    user = mlmodel.user_defined_metadata
    for key, value in sorted(meta.items()):
        user[key] = str(value)
    user["mobrecon.precision"] = precision


@export_step("Core ML")
def export_coreml(prepared: Prepared, opts: ArtifactOptions) -> Path:
    """Write the ``.mlpackage`` of ``opts.precision`` to ``opts.path`` and return it."""
    if opts.precision == "fp32":
        mlmodel = _convert(prepared, opts, "fp32")
    else:
        mlmodel = _convert(prepared, opts, "fp16")
    opts.record.update({"source": opts.workspace.reports["coreml-source"], "minimum_deployment_target": MINIMUM_TARGET,
                        "compute_precision": "fp32" if opts.precision == "fp32" else "fp16"})
    if opts.precision == "int8":
        mlmodel, restored = _compress_int8(opts, mlmodel)
        opts.record["weight_error"] = _weight_error(prepared, opts, restored)
    elif opts.precision == "fp16":
        opts.record["weight_error"] = _weight_error(prepared, opts, mlmodel)
    _set_metadata(mlmodel, prepared, opts.precision)
    with _quiet():
        mlmodel.save(str(opts.path))
    make_reproducible(opts.path)
    opts.record["_mil_ops"] = mil_op_counts(mlmodel)
    return opts.path


def make_reproducible(package: Path) -> None:
    """Make a saved ``.mlpackage`` byte-identical across exports of the same model. In place.

    coremltools writes the spec with protobuf's default (map-order-dependent) serialization and
    names the package items with random UUIDs. The spec is re-serialized deterministically and
    the item identifiers become UUID5s of their paths; the package content is unchanged.
    """
    from coremltools.proto import Model_pb2

    manifest_path = package / "Manifest.json"
    manifest = json.loads(manifest_path.read_text())
    renamed = {old: str(uuid.uuid5(uuid.NAMESPACE_URL, f"mobrecon-export:{entry['path']}"))
               for old, entry in manifest["itemInfoEntries"].items()}
    manifest["itemInfoEntries"] = {renamed[old]: entry for old, entry in manifest["itemInfoEntries"].items()}
    manifest["rootModelIdentifier"] = renamed[manifest["rootModelIdentifier"]]
    manifest_path.write_text(json.dumps(manifest, indent=4, sort_keys=True) + "\n")
    root_entry = manifest["itemInfoEntries"][manifest["rootModelIdentifier"]]
    spec_path = package / "Data" / root_entry["path"]
    spec = Model_pb2.Model()
    spec.ParseFromString(spec_path.read_bytes())
    spec_path.write_bytes(spec.SerializeToString(deterministic=True))


def _weight_error(prepared: Prepared, opts: ArtifactOptions, mlmodel) -> dict[str, Any]:
    from mobrecon_export.quantize import weight_errors

    if "coreml-fp32-weights" not in opts.workspace.models:
        opts.workspace.models["coreml-fp32-weights"] = _weights(_convert(prepared, opts, "fp32"))
    return weight_errors(opts.workspace.models["coreml-fp32-weights"], _weights(mlmodel))


def mil_op_counts(mlmodel) -> dict[str, int]:
    """MIL op type -> count over every block of the ML Program (``const`` excluded)."""
    counts: Counter[str] = Counter()

    def walk(block) -> None:
        for op in block.operations:
            if op.type != "const":
                counts[op.type] += 1
            for inner in op.blocks:
                walk(inner)

    for function in mlmodel.get_spec().mlProgram.functions.values():
        for block in function.block_specializations.values():
            walk(block)
    return dict(sorted(counts.items()))


def scan_ane_ops(ops: dict[str, int], precision: str) -> CheckResult:
    """Gate ``ane-op-scan``: list the program's MIL ops and flag those known not to run on the ANE.

    CPU: Core ML's CPU backend runs every MIL op of the deployment target's opset, and coremltools
    validated each op against the iOS 16 opset at conversion, so nothing is flagged for the CPU.
    Verdict ``warn`` when anything is flagged for the ANE (Core ML falls back to GPU/CPU for those
    ops; the model still runs), ``pass`` otherwise.
    """
    flagged = {op: ANE_UNSUPPORTED_OPS[op] for op in ops if op in ANE_UNSUPPORTED_OPS}
    notes = [FP32_NOTE] if precision == "fp32" else []
    details = {"mil_ops": ops, "ane_flagged_ops": flagged, "notes": notes,
               "cpu": f"all {len(ops)} op types are iOS 16 MIL ops (validated at conversion); the CPU backend runs every MIL op",
               "source": "ANE_UNSUPPORTED_OPS in mobrecon_export/coreml_export.py (hollance/neural-engine docs/unsupported-layers.md)",
               "prediction": "not run: Core ML prediction needs macOS/iOS"}
    total = sum(ops.values())
    if flagged or notes:
        what = [f"{op} x{ops[op]}" for op in flagged] + (["fp32 program (ANE needs fp16)"] if notes else [])
        return CheckResult("ane-op-scan", "warn", f"{total} MIL ops; ANE-flagged: {', '.join(what)}", details)
    return CheckResult("ane-op-scan", "pass", f"{total} MIL ops; none known to block the ANE", details)
