"""Typed export manifest: one ``manifest.json`` per export folder, written once, read by ``mobrecon verify``.

Usage::

    from mobrecon_export.manifest import Manifest
    manifest = Manifest.load(folder / "manifest.json")
    for entry in manifest.artifacts:
        entry.file, entry.sha256, entry.check.verdict, entry.verification

The manifest holds what an app team and a verifier need, and what the artifacts themselves must
not (time, machine, absolute paths): per file sha256 and size, tensor specs with units, precision
and target, the partition-check and verification verdicts, tool versions, and the recipe that
rebuilds the PyTorch reference model (:attr:`ModelSource.recipe`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mobrecon_export.errors import ArtifactMismatchError

__all__ = ["MANIFEST_NAME", "MANIFEST_FORMAT", "TensorSpec", "ModelSource", "CheckResult", "VerificationResult",
           "ArtifactEntry", "FileEntry", "Manifest", "path_sha256", "path_size", "summary_table", "kept_inaccurate_lines"]

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "mobrecon-export-manifest/1"


def path_sha256(path: Path) -> str:
    """sha256 of a file, or of a folder (``.mlpackage``): over sorted relative paths and file bytes."""
    h = hashlib.sha256()
    path = Path(path)
    if path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            h.update(file.relative_to(path).as_posix().encode() + b"\0")
            h.update(hashlib.sha256(file.read_bytes()).digest())
        return h.hexdigest()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def path_size(path: Path) -> int:
    """Bytes of a file, or of every file in a folder."""
    path = Path(path)
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


@dataclass(frozen=True)
class TensorSpec:
    """One model input or output.

    Attributes:
        name: tensor name in the artifact (``image``, ``verts``, ``uv``).
        shape: fixed shape (batch 1).
        dtype: ``float32`` (every artifact keeps float32 inputs and outputs).
        unit: meaning and unit, e.g. ``units of 0.2 m (x200 = mm), root-relative``.
    """

    name: str
    shape: tuple[int, ...]
    dtype: str
    unit: str


@dataclass(frozen=True)
class ModelSource:
    """Where the PyTorch model came from, and how to rebuild it for verification.

    Attributes:
        variant: registered variant name.
        recipe: ``seeded:<variant>:<seed>`` (built-in weights) or ``checkpoint:<absolute path>``.
        checkpoint_sha256: sha256 of the checkpoint file (None for seeded weights).
        checkpoint_layout: detected layout, or ``<variant> (built-in)``.
        card_tag: ``<variant>.<weights>``, e.g. ``ghoststack.untrained``.
        topology_source: ``synthetic`` or ``handmesh:<absolute folder>``.
        topology_sha256: :meth:`mobrecon.topology.Topology.sha256`.
        topology_synthetic: True when the mesh is the generated stand-in, not a hand.
        topology: one-line description.
    """

    variant: str
    recipe: str
    checkpoint_sha256: str | None
    checkpoint_layout: str
    card_tag: str
    topology_source: str
    topology_sha256: str
    topology_synthetic: bool
    topology: str


@dataclass
class CheckResult:
    """Verdict of the gate of one artifact.

    Attributes:
        gate: ``onnx-checker``, ``ort-partition`` or ``ane-op-scan``.
        verdict: ``pass``, ``fail`` or ``warn`` (``warn``: flagged, not fatal).
        summary: one line.
        details: gate-specific numbers (node counts, partitions, unsupported ops, MIL ops...).
    """

    gate: str
    verdict: str
    summary: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class VerificationResult:
    """Artifact vs PyTorch on the verification inputs.

    Attributes:
        status: ``pass``, ``fail`` or ``not-run``.
        reason: why not run, or which limit failed.
        runtime: what ran the artifact (``onnxruntime <version> CPUExecutionProvider``).
        samples: number of inputs compared.
        metrics: output name -> metric name -> value (see :data:`mobrecon_export.verify.METRICS`).
        limits: metric name -> pass threshold applied (fp32: widened by the float32 floor).
        float32_floor: metric name -> the PyTorch model's own float32 error (float32 vs float64).
    """

    status: str
    reason: str = ""
    runtime: str = ""
    samples: int = 0
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    limits: dict[str, float] = field(default_factory=dict)
    float32_floor: dict[str, float] = field(default_factory=dict)


@dataclass
class ArtifactEntry:
    """One model artifact.

    Attributes:
        file: name relative to the export folder.
        target: target key (:data:`mobrecon_export.targets.TARGETS`).
        precision: ``fp32``, ``fp16`` or ``int8``.
        sha256: :func:`path_sha256`.
        size_bytes: :func:`path_size`.
        inputs, outputs: tensor specs.
        graph_form: ONNX graph form it was built from (``portable``, ``nnapi``, ``coreml``, ``pytorch``).
        build: what the build did (simplification, rewrites, quantization, compression error...).
        check: the gate verdict.
        verification: the comparison with PyTorch.
    """

    file: str
    target: str
    precision: str
    sha256: str
    size_bytes: int
    inputs: list[TensorSpec]
    outputs: list[TensorSpec]
    graph_form: str
    build: dict[str, Any] = field(default_factory=dict)
    check: CheckResult | None = None
    verification: VerificationResult | None = None


@dataclass(frozen=True)
class FileEntry:
    """A supporting file (e.g. an ORT reduced-build operator config).

    Attributes:
        file: name relative to the export folder.
        kind: what it is.
        sha256: of the file.
        size_bytes: of the file.
        description: one line.
    """

    file: str
    kind: str
    sha256: str
    size_bytes: int
    description: str


@dataclass
class Manifest:
    """Everything about one export folder.

    Attributes:
        format: :data:`MANIFEST_FORMAT`.
        created_utc: ISO time of the export (here, never inside an artifact).
        host: machine and OS that exported.
        model: the PyTorch source and its rebuild recipe.
        input_normalisation: how pixels become the ``image`` tensor.
        options: export options (targets, precisions, upsample form, opset, exporter, calibration).
        tool_versions: package versions used.
        verification_inputs: how the verification inputs are made (labels, seeds).
        limits: precision -> metric -> threshold.
        artifacts: model artifacts.
        files: supporting files.
        skipped: requested (target, precision) pairs not built, with the reason.
        reference_scale: largest |PyTorch output| on the verification inputs, in mm and px (errors
            are only meaningful against it; a near-zero scale triggers a note in the summary).
        kept_inaccurate: artifact files written although their verification failed its accuracy
            limits (``--keep-inaccurate``, also ``options.keep_inaccurate``): for timing only. Their
            entries keep ``verification.status == "fail"`` and the reason. Absent in older manifests.
    """

    format: str
    created_utc: str
    host: str
    model: ModelSource
    input_normalisation: dict[str, Any]
    options: dict[str, Any]
    tool_versions: dict[str, str]
    verification_inputs: dict[str, Any]
    limits: dict[str, dict[str, float]]
    artifacts: list[ArtifactEntry] = field(default_factory=list)
    files: list[FileEntry] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    reference_scale: dict[str, float] = field(default_factory=dict)
    kept_inaccurate: list[str] = field(default_factory=list)

    def scale_note(self) -> str:
        """A warning line when the PyTorch outputs are too small for mm/px errors to mean anything."""
        verts = self.reference_scale.get("verts_max_abs_mm")
        if verts is not None and verts < 1.0:
            return (f"note: the PyTorch outputs are ~0 (largest |vertex| {verts:.2g} mm): errors in mm/px say little here; "
                    "see verts_rel_max / uv_rel_max in the manifest")
        return ""

    # ------------------------------------------------------------------ io
    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def write(self, folder: Path) -> Path:
        """Write ``manifest.json`` into ``folder`` (sorted keys, stable formatting)."""
        path = Path(folder) / MANIFEST_NAME
        path.write_text(json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n")
        return path

    @classmethod
    def load(cls, path: Path) -> "Manifest":
        """Read a manifest written by :meth:`write`.

        Raises:
            ArtifactMismatchError: missing, unreadable, or not a manifest of this format.
        """
        path = Path(path)
        if path.is_dir():
            path = path / MANIFEST_NAME
        elif not path.exists() and path.name != MANIFEST_NAME:
            raise ArtifactMismatchError(f"{path} does not exist: not an export folder")
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise ArtifactMismatchError(f"no {MANIFEST_NAME} in {path.parent}: not an export folder") from None
        except (OSError, ValueError) as exc:
            raise ArtifactMismatchError(f"{path} cannot be read as JSON ({exc})") from None
        if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
            raise ArtifactMismatchError(f"{path} is not a {MANIFEST_FORMAT} manifest")
        try:
            return cls._from_dict(data)
        except (KeyError, TypeError) as exc:
            raise ArtifactMismatchError(f"{path} is missing or has a malformed field ({exc})") from None

    @classmethod
    def _from_dict(cls, d: dict[str, Any]) -> "Manifest":
        def spec(x: dict) -> TensorSpec:
            return TensorSpec(x["name"], tuple(x["shape"]), x["dtype"], x["unit"])

        def artifact(x: dict) -> ArtifactEntry:
            return ArtifactEntry(
                file=x["file"], target=x["target"], precision=x["precision"], sha256=x["sha256"],
                size_bytes=x["size_bytes"], inputs=[spec(s) for s in x["inputs"]], outputs=[spec(s) for s in x["outputs"]],
                graph_form=x["graph_form"], build=x.get("build", {}),
                check=CheckResult(**x["check"]) if x.get("check") else None,
                verification=VerificationResult(**x["verification"]) if x.get("verification") else None,
            )

        return cls(
            format=d["format"], created_utc=d["created_utc"], host=d["host"], model=ModelSource(**d["model"]),
            input_normalisation=d["input_normalisation"], options=d["options"], tool_versions=d["tool_versions"],
            verification_inputs=d["verification_inputs"], limits=d["limits"],
            artifacts=[artifact(a) for a in d["artifacts"]], files=[FileEntry(**f) for f in d.get("files", [])],
            skipped=list(d.get("skipped", [])), reference_scale=d.get("reference_scale", {}),
            kept_inaccurate=list(d.get("kept_inaccurate", [])),
        )

    # ------------------------------------------------------------------ integrity
    def check_files(self, folder: Path) -> None:
        """Raise unless every listed file exists in ``folder`` with its recorded sha256.

        Raises:
            ArtifactMismatchError: naming the first missing or changed file.
        """
        folder = Path(folder)
        for entry in [*self.artifacts, *self.files]:
            path = folder / entry.file
            if not path.exists():
                raise ArtifactMismatchError(f"{entry.file} is listed in the manifest but missing from {folder}")
            actual = path_sha256(path)
            if actual != entry.sha256:
                raise ArtifactMismatchError(
                    f"{entry.file} changed after export: sha256 {actual[:16]}... does not match the manifest's {entry.sha256[:16]}..."
                )


def relative_name(path: Path, folder: Path) -> str:
    """``path`` relative to ``folder`` as a POSIX string."""
    return Path(os.path.relpath(path, folder)).as_posix()


def kept_inaccurate_lines(manifest: Manifest) -> list[str]:
    """One loud line per artifact kept although it fails its accuracy limits, then the count (or nothing)."""
    kept = manifest.kept_inaccurate
    if not kept:
        return []
    by_file = {a.file: a for a in manifest.artifacts}
    lines = []
    for name in kept:
        v = by_file[name].verification if name in by_file else None
        reason = v.reason if v and v.status == "fail" else "failed its accuracy limits at export"
        lines.append(f"KEPT, FAILS ITS ACCURACY LIMITS (--keep-inaccurate): {name}: {reason}")
    what = "1 artifact that FAILS its" if len(kept) == 1 else f"{len(kept)} artifacts that FAIL their"
    lines.append(f"kept {what} accuracy limits (--keep-inaccurate): time {'it' if len(kept) == 1 else 'them'}, "
                 f"do not trust {'its' if len(kept) == 1 else 'their'} outputs")
    return lines


def summary_table(artifacts: list[ArtifactEntry], kept_inaccurate: list[str] | tuple[str, ...] = ()) -> str:
    """Plain-text table: artifact, size, gate verdict, verification, vertex and 2D joint error (or weight error).

    Args:
        kept_inaccurate: files kept although they fail their accuracy limits; their verify cell reads ``FAIL (kept)``.
    """
    rows = [("artifact", "size", "gate", "verify", "verts max/mean mm", "uv max/mean px")]
    for a in artifacts:
        gate = a.check.verdict if a.check else "-"
        if a.check and a.check.gate == "ort-partition":
            d = a.check.details
            gate += f" ({d.get('partitions')}p {d.get('supported_nodes')}/{d.get('nodes')})"
        v = a.verification
        ver = v.status if v else "-"
        if a.file in kept_inaccurate:
            ver = "FAIL (kept)"
        m = v.metrics if v else {}
        if m:
            verts = f"{m['verts']['verts_max_mm']:.3g} / {m['verts']['verts_mean_mm']:.3g}"
            uv = f"{m['uv']['uv_max_px']:.3g} / {m['uv']['uv_mean_px']:.3g}"
        elif "weight_error" in a.build and a.build["weight_error"].get("tensors"):
            w = a.build["weight_error"]
            verts, uv = f"weights: max rel {w['max_rel_error']:.2g}", f"rms rel {w['mean_rel_rms']:.2g}"
        else:
            verts, uv = "-", "-"
        rows.append((a.file, f"{a.size_bytes / 1e6:.2f} MB", gate, ver, verts, uv))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
