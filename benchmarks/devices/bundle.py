"""The verification bundle: what a phone harness reads to time the artifacts and check its own outputs.

Usage::

    from mobrecon_bench.devices.bundle import make_bundle
    from mobrecon_bench.devices.bundle_read import read_bundle

    made = make_bundle("exports/")                 # -> exports/bundle/ (a folder of export folders works too)
    print(made.format())                           # the file list with sizes
    bundle = read_bundle(made.folder)              # validated index + raw tensors, as ingest reads it
    bundle.expected_outputs("densestack")["verts"] # [N, 778, 3] float32, units of 0.2 m

Layout (``docs/device-contract.md``, schema ``bundle.schema.json`` beside this file)::

    bundle/
      bundle.json                      index: artifacts, hashes, tensor specs, preprocessing, units, limits
      inputs/verification.f32          [N, 3, S, S] the inputs ``mobrecon verify`` uses, normalised
      expected/<model>.<output>.f32    [N, ...] PyTorch float32 outputs for them, per model
      mesh/<model>.faces.i32           [F, 3] int32 triangles; mesh/<model>.joint_regressor.f32 [21, V]
      artifacts/<file>                 every artifact of the export(s), copied (.mlpackage folders whole)

Raw files are headerless row-major little-endian float32 (int32 for the faces) of exactly ``4 x prod(shape)`` bytes, so a
phone reads them with no Python and no third-party library. The bundle is written into a temporary
folder beside ``out`` and moved into place only when complete.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mobrecon_bench.devices.bundle_read import BUNDLE_FORMAT, BUNDLE_JSON, INPUTS_FILE, schema_problems
from mobrecon_bench.errors import BenchmarkError

__all__ = ["HASHING", "RUNS_BY_TARGET", "MadeBundle", "make_bundle"]


#: How the sha256 values in bundle.json are computed (written into bundle.json for the phone's coder).
HASHING = {
    "file": "sha256 of the file's bytes, lowercase hex",
    "directory": (
        "sha256 over the files inside, in the order of the artifact's 'files' list (sorted by path components): "
        "for each, its UTF-8 relative path with '/' separators, one NUL byte, then the 32-byte raw sha256 digest of its bytes"
    ),
}

_ANDROID = "android"
_APPLE = ("ios", "macos")


def _runs(*rows: tuple[tuple[str, ...], str, str, str | None]) -> list[dict[str, Any]]:
    return [{"platform": p, "runtime": rt, "compute_unit": cu, "execution_provider": ep}
            for platforms, rt, cu, ep in rows for p in platforms]  # fmt: skip


#: Export target -> how a harness runs that artifact (platform, runtime, compute unit, ORT EP).
RUNS_BY_TARGET: dict[str, list[dict[str, Any]]] = {
    "ort-nnapi": _runs(((_ANDROID,), "onnxruntime", "nnapi", "NnapiExecutionProvider"),
                       ((_ANDROID,), "onnxruntime", "xnnpack", "XnnpackExecutionProvider"),
                       ((_ANDROID,), "onnxruntime", "cpu", "CPUExecutionProvider")),
    "onnx": _runs(((_ANDROID,), "onnxruntime", "xnnpack", "XnnpackExecutionProvider"),
                  ((_ANDROID, *_APPLE), "onnxruntime", "cpu", "CPUExecutionProvider")),
    "ort-coreml": _runs((_APPLE, "onnxruntime", "coreml-ep", "CoreMLExecutionProvider"),
                        (_APPLE, "onnxruntime", "cpu", "CPUExecutionProvider")),
    "coreml": _runs((_APPLE, "coreml", "cpu", None), (_APPLE, "coreml", "cpu+gpu", None),
                    (_APPLE, "coreml", "cpu+ane", None), (_APPLE, "coreml", "all", None)),
}  # fmt: skip

_FORMAT_BY_SUFFIX = {".onnx": "onnx", ".ort": "ort", ".mlpackage": "mlpackage"}


# ---------------------------------------------------------------------------------------------- making
@dataclass
class _Model:
    """One export folder read for bundling: manifest, inputs, reference outputs, float32 floor."""

    folder: Path
    manifest: Any
    inputs: list[tuple[str, np.ndarray]]
    refs: dict[str, np.ndarray]
    floor: dict[str, float]
    topology: Any

    @property
    def id(self) -> str:
        return self.manifest.model.variant


def _read_export(folder: Path, log: Callable[[str], None]) -> _Model:
    from mobrecon.errors import MobReconError
    from mobrecon_export.manifest import Manifest
    from mobrecon_export.source import rebuild_source_model
    from mobrecon_export.verify import float32_floor, reference_outputs, verification_inputs

    try:
        manifest = Manifest.load(folder)
        manifest.check_files(folder)
        log(f"{folder}: rebuilding the PyTorch model ({manifest.model.recipe})")
        model = rebuild_source_model(manifest.model).eval()
    except MobReconError as err:
        raise BenchmarkError(str(err)) from None
    inputs = verification_inputs(manifest.verification_inputs, model.card.input_size)
    refs = reference_outputs(model, inputs)
    return _Model(folder, manifest, inputs, refs, float32_floor(model, inputs, refs), model.topology)


def _write_raw(root: Path, relative: str, name: str, array: np.ndarray, dtype: str = "float32") -> dict[str, Any]:
    """Write ``array`` as headerless little-endian float32 (or int32) at ``root/relative``; its bundle.json entry."""
    from mobrecon_export.manifest import path_sha256

    data = np.ascontiguousarray(array, dtype={"float32": "<f4", "int32": "<i4"}[dtype])
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.tobytes())
    return {"name": name, "file": relative, "shape": list(data.shape), "dtype": dtype, "byte_order": "little",
            "size_bytes": data.nbytes, "sha256": path_sha256(path)}  # fmt: skip


def _mesh(model: _Model, root: Path) -> dict[str, Any] | None:
    """Faces, joint regressor and joint order of the model's mesh (what an app needs beyond the network)."""
    from mobrecon.pipeline.outputs import MANO_TO_MPII

    topology = model.topology
    if topology.joint_regressor is None:
        return None
    return {"faces": _write_raw(root, f"mesh/{model.id}.faces.i32", "faces", topology.faces[0], "int32"),
            "joint_regressor": _write_raw(root, f"mesh/{model.id}.joint_regressor.f32", "joint_regressor",
                                          topology.joint_regressor),
            "mano_to_mpii": [int(i) for i in MANO_TO_MPII]}  # fmt: skip


def _directory_files(path: Path) -> list[dict[str, Any]]:
    """Files of a directory artifact in the order ``path_sha256`` hashes them, with their own hashes."""
    from mobrecon_export.manifest import path_sha256

    return [{"path": p.relative_to(path).as_posix(), "sha256": path_sha256(p), "size_bytes": p.stat().st_size}
            for p in sorted(q for q in path.rglob("*") if q.is_file())]  # fmt: skip


def _export_accuracy(entry: Any) -> dict[str, Any]:
    ver = entry.verification
    if ver is None:
        return {"verdict": "not-run", "reason": "no verification recorded", "verts_max_mm": None, "uv_max_px": None,
                "runtime": None}  # fmt: skip
    metrics = ver.metrics or {}
    return {"verdict": ver.status if ver.status in ("pass", "fail") else "not-run", "reason": ver.reason or None,
            "verts_max_mm": metrics.get("verts", {}).get("verts_max_mm"),
            "uv_max_px": metrics.get("uv", {}).get("uv_max_px"), "runtime": ver.runtime or None}  # fmt: skip


def _artifact_entry(model: _Model, entry: Any, root: Path) -> dict[str, Any]:
    from mobrecon_bench.running.suite import artifact_name
    from mobrecon_export.manifest import path_sha256, path_size
    from mobrecon_export.verify import effective_limits

    src = model.folder / entry.file
    dst = root / "artifacts" / entry.file
    if src.is_dir():
        shutil.copytree(src, dst)
    else:
        shutil.copyfile(src, dst)
    sha = path_sha256(dst)
    if sha != entry.sha256:
        raise BenchmarkError(f"{entry.file} changed while it was copied into the bundle (sha256 {sha[:16]}...)")
    if entry.target not in RUNS_BY_TARGET:
        raise BenchmarkError(f"{entry.file}: export target {entry.target!r} has no run table in the bundle maker")
    doc: dict[str, Any] = {
        "id": entry.file, "record_name": artifact_name(entry.file, entry.precision), "file": f"artifacts/{entry.file}",
        "kind": "directory" if dst.is_dir() else "file", "sha256": sha, "size_bytes": path_size(dst),
        "model": model.id, "variant": model.manifest.model.variant, "format": _FORMAT_BY_SUFFIX[src.suffix],
        "precision": entry.precision, "target": entry.target, "graph_form": entry.graph_form,
        "runs": RUNS_BY_TARGET[entry.target],
        "inputs": [{"name": s.name, "shape": list(s.shape), "dtype": s.dtype, "unit": s.unit} for s in entry.inputs],
        "outputs": [{"name": s.name, "shape": list(s.shape), "dtype": s.dtype, "unit": s.unit} for s in entry.outputs],
        "limits": effective_limits(entry.precision, model.floor, model.manifest.limits),
        "export_check": {"gate": entry.check.gate, "verdict": entry.check.verdict, "summary": entry.check.summary}
        if entry.check else {"gate": "none", "verdict": "not-run", "summary": "no gate recorded"},
        "export_accuracy": _export_accuracy(entry),
    }  # fmt: skip
    if dst.is_dir():
        doc["files"] = _directory_files(dst)
    return doc


def _same_inputs(models: Sequence[_Model]) -> None:
    first = models[0]
    for other in models[1:]:
        same = [a for a, _ in first.inputs] == [b for b, _ in other.inputs] and all(
            np.array_equal(x, y) for (_, x), (_, y) in zip(first.inputs, other.inputs))
        if not same:
            raise BenchmarkError(f"{first.folder} and {other.folder} verify on different inputs; bundle them separately")


def _index(models: Sequence[_Model], root: Path, log: Callable[[str], None]) -> dict[str, Any]:
    from mobrecon.profile import profile_variant
    from mobrecon_export.verify import MM_PER_UNIT, PX_PER_UNIT

    first = models[0].manifest
    norm = first.input_normalisation
    inputs = np.concatenate([x for _, x in models[0].inputs], axis=0)
    model_docs, artifact_docs, seen = [], [], {}
    tool_versions: dict[str, str] = {}
    for m in models:
        if m.id in seen:
            raise BenchmarkError(f"{seen[m.id]} and {m.folder} are both exports of {m.id}; bundle them separately")
        seen[m.id] = m.folder
        tool_versions.update(m.manifest.tool_versions)
        src = m.manifest.model
        expected = [_write_raw(root, f"expected/{m.id}.{name}.f32", name, value) for name, value in m.refs.items()]
        model_docs.append({
            "id": m.id, "variant": src.variant, "card_tag": src.card_tag, "trained": src.recipe.startswith("checkpoint:"),
            "recipe": src.recipe, "checkpoint_sha256": src.checkpoint_sha256, "checkpoint_layout": src.checkpoint_layout,
            "topology_source": src.topology_source, "topology_sha256": src.topology_sha256,
            "topology_synthetic": src.topology_synthetic, "mult_adds": profile_variant(src.variant).total_mult_adds, "float32_floor": m.floor,
            "expected_outputs": expected, "mesh": _mesh(m, root),
        })  # fmt: skip
        for entry in m.manifest.artifacts:
            if entry.file in {a["id"] for a in artifact_docs}:
                raise BenchmarkError(f"two export folders hold {entry.file}; bundle them separately")
            log(f"copying {entry.file}")
            artifact_docs.append(_artifact_entry(m, entry, root))
    from mobrecon import __version__

    tool_versions["mobrecon-deploy"] = __version__
    return {
        "format": BUNDLE_FORMAT,
        "created_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "tool_versions": dict(sorted(tool_versions.items())),
        "hashing": HASHING,
        "preprocessing": {"size": int(norm["size"][0]), "channel_order": norm["channel_order"], "layout": norm["layout"],
                          "mean": list(norm["mean"]), "std": list(norm["std"]), "formula": norm["formula"],
                          "range": list(norm["range"])},
        "units": {
            "verts": {"to_metres": MM_PER_UNIT / 1000.0, "to_millimetres": MM_PER_UNIT,
                      "description": "root-relative (wrist) MANO-topology vertices, camera axes, units of 0.2 m"},
            "uv": {"to_pixels": PX_PER_UNIT, "description": "2D joints (x, y) divided by the 128-px crop, FreiHAND/MPII order"},
        },
        "limits": first.limits,
        "inputs": {"labels": [label for label, _ in models[0].inputs], "recipe": first.verification_inputs,
                   "tensor": _write_raw(root, INPUTS_FILE, "image", inputs)},
        "models": model_docs,
        "artifacts": artifact_docs,
    }  # fmt: skip


@dataclass
class MadeBundle:
    """Result of :func:`make_bundle`.

    Attributes:
        folder: the bundle folder.
        index: the decoded bundle.json.
        files: (relative path, size in bytes) of every file in the bundle, sorted.
    """

    folder: Path
    index: dict[str, Any]
    files: list[tuple[str, int]] = field(default_factory=list)

    def format(self) -> str:
        """The file list with sizes, and what the bundle holds."""
        total = sum(size for _, size in self.files)
        width = max(len(name) for name, _ in self.files)
        lines = [f"bundle {self.folder}: {len(self.index['artifacts'])} artifacts of "
                 f"{', '.join(m['id'] for m in self.index['models'])}, {len(self.index['inputs']['labels'])} verification inputs"]
        lines += [f"  {name:<{width}}  {size:>12,} bytes" for name, size in self.files]
        lines.append(f"  {'total':<{width}}  {total:>12,} bytes")
        failed = [a["id"] for a in self.index["artifacts"] if a["export_accuracy"]["verdict"] == "fail"]
        if failed:
            lines.append(f"note: {len(failed)} artifacts FAIL their accuracy limits (kept for timing only): {', '.join(failed)}")
        if any(not m["trained"] for m in self.index["models"]):
            lines.append("note: built-in seeded weights (untrained, synthetic mesh): outputs are no hand")
        return "\n".join(lines)


def _move_into_place(tmp: Path, out: Path) -> None:
    """Replace ``out`` (a previous bundle, or nothing) by the finished ``tmp`` folder."""
    trash = None
    if out.exists():
        trash = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, trash)
    os.replace(tmp, out)
    if trash is not None:
        shutil.rmtree(trash, ignore_errors=True)


def make_bundle(
    export_dir: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    *,
    log: Callable[[str], None] = lambda message: None,
) -> MadeBundle:
    """Write a verification bundle of one export folder, or of a folder of export folders.

    Checks every artifact's sha256 against its manifest, rebuilds each PyTorch model from its
    manifest recipe, computes its float32 outputs on the manifest's verification inputs, copies the
    artifacts and writes bundle.json last; the folder appears at ``out`` only when complete.

    Args:
        export_dir: a folder holding ``manifest.json`` (``mobrecon export``), or folders of them.
        out: bundle folder; default ``export_dir / "bundle"``. A previous bundle there is replaced;
            any other existing folder is refused.
        log: progress callback.

    Returns:
        :class:`MadeBundle` with the folder, its index and file list.

    Raises:
        BenchmarkError: not an export folder, a changed artifact, exports of the same variant twice,
            exports verified on different inputs, an unwritable or foreign ``out``.
    """
    from mobrecon_bench.running.suite import export_folders

    export_dir = Path(export_dir)
    folders = export_folders(export_dir)
    out = Path(out) if out is not None else export_dir / "bundle"
    if out.exists() and not (out / BUNDLE_JSON).is_file():
        raise BenchmarkError(f"{out} exists and is not a bundle; choose another --out")
    if out.resolve() in {f.resolve() for f in folders}:
        raise BenchmarkError(f"{out} is an export folder; choose another --out")
    models = [_read_export(folder, log) for folder in folders]
    _same_inputs(models)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    except OSError as err:
        raise BenchmarkError(f"cannot write the bundle beside {out}: {err.strerror or err}") from None
    try:
        (tmp / "artifacts").mkdir()
        index = _index(models, tmp, log)
        problems = schema_problems(index)
        if problems:
            raise BenchmarkError(f"internal error: the bundle index does not follow bundle.schema.json: {problems[0]}")
        (tmp / BUNDLE_JSON).write_text(json.dumps(index, indent=1) + "\n", encoding="utf-8")
        files = sorted((p.relative_to(tmp).as_posix(), p.stat().st_size) for p in tmp.rglob("*") if p.is_file())
        _move_into_place(tmp, out)
    except OSError as err:
        raise BenchmarkError(f"cannot write the bundle {out}: {err.strerror or err}") from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return MadeBundle(out, index, files)
