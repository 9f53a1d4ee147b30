"""Export pipeline: prepare -> convert -> check -> verify -> record.

Usage::

    from mobrecon_export.pipeline import export_model
    result = export_model()                                   # built-in default: synthetic mesh, seeded weights
    result = export_model(checkpoint="mobrecon_densestack_dsconv.pt", template="HandMesh/template",
                          targets="onnx,ort", precision="fp32,int8", out="exports/")
    print(result.format())                                    # summary table
    result.manifest.artifacts[0].verification.metrics

Recipe (the numbered steps match the code in :func:`export_model`):

1. **prepare** (:func:`prepare`): validate every option against the target table before any work;
   check the output folder; build the PyTorch model (checkpoint, or seeded built-in weights, clearly
   labelled); its deploy copy; a fixed example input; two dry runs recording output shapes (and the
   deploy-vs-reference difference); the metadata every artifact carries.
2. **convert** (:func:`convert`): one target function per (target, precision), writing into a
   hidden temp folder beside ``out`` (``out`` itself is not touched yet); intermediates (graph
   forms, QDQ graph) stay in its sub-folder.
3. **check** (:func:`check`): the target's gate: ``onnx.checker``; ONNX Runtime's mobile
   usability checker (one partition, 100% of nodes, else refused with the offending ops); the Core
   ML MIL-op scan against the Neural Engine list.
4. **verify** (:func:`verify`): every artifact that can run here (ONNX and ORT on the CPU EP) vs the
   PyTorch model on fixed and random inputs, in mm and px, against :data:`~mobrecon_export.verify.LIMITS`.
5. **record** (:func:`record`): ORT reduced-build operator configs, ``manifest.json``; then, only if
   every gate and verification passed (or, with ``keep_inaccurate``, only accuracy limits failed),
   move everything into ``out``: the temp folder becomes ``out`` when ``out`` did not exist, else
   its files replace theirs, manifest last. Otherwise the temp folder is deleted, ``out`` is left
   as it was (not created if it did not exist), and :class:`GateError` is raised with the result.

An artifact kept with ``keep_inaccurate`` keeps ``verification.status == "fail"`` and its reason,
is listed in ``manifest.kept_inaccurate`` and gets one loud line in the summary: it is for timing
on devices, not for its outputs.
"""

from __future__ import annotations

import datetime as _dt
import platform
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import torch

import mobrecon
from mobrecon.errors import MobReconError
from mobrecon.extras import require_modules
from mobrecon.registry import OUTPUT_UNITS
from mobrecon_export.common import DEFAULT_OPSET, ArtifactOptions, Prepared, Progress, Workspace, first_line, tool_versions
from mobrecon_export.errors import GateError, OptionError
from mobrecon_export.manifest import (
    MANIFEST_FORMAT, MANIFEST_NAME, ArtifactEntry, CheckResult, FileEntry, Manifest, TensorSpec, VerificationResult,
    kept_inaccurate_lines, path_sha256, path_size, summary_table,
)
from mobrecon_export.targets import Target, plan, resolve_precisions, resolve_targets
from mobrecon_export.verify import (
    LIMITS, VERIFICATION_INPUTS, float32_floor, reference_outputs, reference_scale, verification_inputs, verify_artifact,
)
from mobrecon_export.workspace import check_output_dir, move_into_place, open_workspace

__all__ = ["export_model", "ExportResult", "prepare", "convert", "check", "verify", "record"]


@dataclass
class ExportResult:
    """What :func:`export_model` returns (also carried by :class:`GateError` on failure).

    Attributes:
        out_dir: the folder holding the artifacts and ``manifest.json`` (None when nothing was written).
        manifest: every artifact with its gate and verification verdicts.
        ok: the folder was written: every gate passed, and every verification passed or failed only
            its accuracy limits and was kept (``keep_inaccurate``; see ``kept_inaccurate``).
        failures: one line per failed (target, precision).
        skipped: requested pairs a target does not support.
    """

    out_dir: Path | None
    manifest: Manifest
    ok: bool
    failures: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def kept_inaccurate(self) -> list[str]:
        """Files written although they fail their accuracy limits (``keep_inaccurate``)."""
        return self.manifest.kept_inaccurate

    @property
    def artifacts(self) -> list[ArtifactEntry]:
        return self.manifest.artifacts

    def format(self) -> str:
        """Summary table and verdict."""
        model = self.manifest.model
        kept = self.manifest.kept_inaccurate if self.ok else []  # nothing is kept when the export is refused
        lines = [f"MobRecon {model.variant}: {model.recipe}; {model.topology}", summary_table(self.manifest.artifacts, kept)]
        lines += [f"skipped: {s}" for s in self.skipped]
        lines += [note for note in [self.manifest.scale_note()] if note]
        lines += kept_inaccurate_lines(self.manifest) if self.ok else []
        lines += [f"FAILED: {f}" for f in self.failures]
        lines.append(f"wrote {self.out_dir} ({MANIFEST_NAME})" if self.ok and self.out_dir else "nothing was written to the output folder")
        return "\n".join(lines)


# ====================================================================== 1. prepare
def _metadata(model: torch.nn.Module, source, upsample_form: str, normalisation: dict, versions: dict[str, str]) -> dict[str, str]:
    card = model.card
    synthetic = "SYNTHETIC mesh, not a hand" if source.topology_synthetic else "HandMesh MANO template"
    weights = (f"seeded random weights ({source.recipe}): runs end to end, predicts no hand" if source.recipe.startswith("seeded:")
               else f"checkpoint {Path(source.recipe.split(':', 1)[1]).name} sha256 {source.checkpoint_sha256}")
    return {
        "mobrecon.model": "MobRecon (Chen et al., CVPR 2022, arXiv 2112.02753)",
        "mobrecon.variant": source.variant,
        "mobrecon.card_tag": source.card_tag,
        "mobrecon.description": card.description,
        "mobrecon.weights": weights,
        "mobrecon.checkpoint_layout": source.checkpoint_layout,
        "mobrecon.checkpoint_sha256": source.checkpoint_sha256 or "none (seeded)",
        "mobrecon.topology_source": f"{source.topology_source.split(':', 1)[0]} ({synthetic})",
        "mobrecon.topology_sha256": source.topology_sha256,
        "mobrecon.topology_synthetic": str(source.topology_synthetic).lower(),
        "mobrecon.input": "image: [1, 3, 128, 128] float32, NCHW, RGB, batch fixed at 1",
        "mobrecon.input_normalisation": normalisation["description"],
        "mobrecon.output.verts": OUTPUT_UNITS["verts"].replace("[B,", "[1,"),
        "mobrecon.output.uv": OUTPUT_UNITS["uv"].replace("[B,", "[1,"),
        "mobrecon.layout": "input NCHW; deploy graph: BatchNorm folded, no grid_sample/scatter, rank-4 decoder",
        "mobrecon.deploy_form": upsample_form,
        "mobrecon.license": card.license,
        "mobrecon.reference": card.reference,
        "mobrecon.version": mobrecon.__version__,
        "mobrecon.tool_versions": "; ".join(f"{k} {v}" for k, v in sorted(versions.items())),
    }


def deploy_options(upsample_form: str | None, layout: str | None) -> dict[str, str]:
    """The deploy options used: the given ones, else the defaults of :func:`mobrecon.to_deploy`."""
    import inspect

    params = inspect.signature(mobrecon.to_deploy).parameters
    return {name: value if value is not None else params[name].default
            for name, value in (("upsample_form", upsample_form), ("layout", layout))}  # fmt: skip


def prepare(checkpoint: Path | None, template: Path | None, variant: str, upsample_form: str | None,
            layout: str | None, log: Callable[[str], None]) -> Prepared:
    """Step 1: the shared pre-step, run once for all targets (see the module recipe)."""
    from mobrecon_export.source import load_source_model

    model, source = load_source_model(checkpoint, template, variant)
    log(f"model: {source.variant} from {source.recipe}; {source.topology}")
    forms = deploy_options(upsample_form, layout)
    try:
        deploy = mobrecon.to_deploy(model, **forms).eval()
    except ValueError as exc:
        raise OptionError(first_line(exc)) from None
    upsample_form = ", ".join(f"{k}={v}" for k, v in forms.items())
    card = model.card
    size = card.input_size
    example = torch.from_numpy(verification_inputs({"fixed": ["gradient"], "random": {"count": 0, "seed": 0}}, size)[0][1])
    with torch.no_grad():
        first, second, ref = deploy(example), deploy(example), model(example)
    if any(not torch.equal(first[k], second[k]) for k in first):
        raise MobReconError("the deploy model is not deterministic: two dry runs on the same input differ")
    diff = max(float((first[k] - ref[k]).abs().max()) for k in first)
    log(f"deploy copy ({upsample_form}): dry runs ok, max |deploy - reference| = {diff:.2e}")
    mean, std = card.input_mean, card.input_std
    normalisation = {
        "channel_order": "RGB", "layout": "NCHW", "size": [size, size], "mean": list(mean), "std": list(std),
        "formula": "(pixel / 255 - mean) / std", "range": [-1.0, 1.0],
        "description": f"RGB, (pixel / 255 - {mean[0]}) / {std[0]} per channel (mean {list(mean)}, std {list(std)}), range [-1, 1]",
    }
    unit = {"verts": "MANO-topology vertices, root-relative (wrist), camera axes, units of 0.2 m (x0.2 = m, x200 = mm)",
            "uv": "2D joints (x, y) / 128 px crop (x128 = px), FreiHAND/MPII order, not clamped"}
    outputs = tuple(TensorSpec(k, tuple(v.shape), "float32", unit.get(k, card.outputs.get(k, ""))) for k, v in first.items())
    inputs = (TensorSpec("image", (1, 3, size, size), "float32", f"RGB crop, {normalisation['description']}"),)
    versions = tool_versions()
    return Prepared(model=model, deploy=deploy, upsample_form=upsample_form, example=example, inputs=inputs, outputs=outputs,
                    source=source, stem=f"mobrecon-{source.variant}",
                    metadata=_metadata(model, source, upsample_form, normalisation, versions), normalisation=normalisation)


# ====================================================================== 2. convert
def _target_function(target: Target) -> Callable[[Prepared, ArtifactOptions], Path]:
    if target.key == "onnx":
        from mobrecon_export.onnx_export import export_onnx

        return export_onnx
    if target.key.startswith("ort-"):
        from mobrecon_export.ort_export import export_ort

        return export_ort
    from mobrecon_export.coreml_export import export_coreml

    return export_coreml


def convert(prepared: Prepared, opts: ArtifactOptions) -> Path:
    """Step 2: build one artifact at ``opts.path`` (inside the workspace); its build record goes to ``opts.record``."""
    return _target_function(opts.target)(prepared, opts)


# ====================================================================== 3. check
def check(opts: ArtifactOptions) -> CheckResult:
    """Step 3: the target's gate on one artifact."""
    gate = opts.target.gate
    if gate == "onnx-checker":
        from mobrecon_export.onnx_export import check_onnx
        from mobrecon_export.ort_export import EP_CHECKS, check_partitions

        result = check_onnx(opts.path)
        if opts.precision == "fp32":  # informational: the portable graph as an app would feed it to ORT Mobile
            result.details["mobile_usability"] = {ep: check_partitions(opts.path, ep).summary for ep in EP_CHECKS}
        return result
    if gate == "ort-partition":
        from mobrecon_export.ort_export import check_partitions

        return check_partitions(opts.record["_graph"], opts.target.accelerator)
    if gate == "ane-op-scan":
        from mobrecon_export.coreml_export import scan_ane_ops

        return scan_ane_ops(opts.record["_mil_ops"], opts.precision)
    raise ValueError(f"target {opts.target.key} names unknown gate {gate!r}")


# ====================================================================== 4. verify
def verify(opts: ArtifactOptions, refs: dict[str, np.ndarray], inputs: list, floor: dict[str, float]) -> VerificationResult:
    """Step 4: run the artifact (where possible here) against the PyTorch outputs."""
    return verify_artifact(opts.path, opts.target.runtime, opts.precision, refs, inputs, floor)


# ====================================================================== 5. record
def _entry(prepared: Prepared, opts: ArtifactOptions, result: CheckResult | None, ver: VerificationResult | None, root: Path) -> ArtifactEntry:
    build = {k: v for k, v in opts.record.items() if not k.startswith("_")}
    return ArtifactEntry(
        file=opts.path.name, target=opts.target.key, precision=opts.precision,
        sha256=path_sha256(opts.path) if opts.path.exists() else "", size_bytes=path_size(opts.path) if opts.path.exists() else 0,
        inputs=list(prepared.inputs), outputs=list(prepared.outputs), graph_form=opts.target.graph_form, build=build,
        check=result, verification=ver,
    )


def record(prepared: Prepared, built: list[tuple[ArtifactOptions, ArtifactEntry]], ws: Workspace, options: dict,
           skipped: list[str], refs: dict[str, np.ndarray], log: Callable[[str], None],
           kept_inaccurate: list[str] | None = None) -> Manifest:
    """Step 5a: operator configs for the ORT artifacts and the manifest, written into the workspace.

    Args:
        kept_inaccurate: files kept although their verification failed (``keep_inaccurate``).
    """
    from mobrecon_export.ort_export import write_required_operators

    files = []
    by_accel: dict[str, list[ArtifactOptions]] = {}
    for opts, _ in built:
        if "_config" in opts.record:
            by_accel.setdefault(opts.target.key, []).append(opts)
    for key, group in by_accel.items():
        target = group[0].target
        name = f"{prepared.stem}.{key.removeprefix('ort-')}.required_operators.config"
        path = write_required_operators([o.record["_config"] for o in group], [o.path.name for o in group], ws.root / name, target.accelerator)
        files.append(FileEntry(name, "ort-required-operators", path_sha256(path), path_size(path),
                               f"ONNX Runtime reduced-build config (--include_ops_by_config) for the {target.accelerator} build"))
        log(f"wrote {name}")
    manifest = Manifest(
        format=MANIFEST_FORMAT, created_utc=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        host=f"{platform.node()} {platform.system()} {platform.release()} {platform.machine()}",
        model=prepared.source, input_normalisation=prepared.normalisation, options=options, tool_versions=tool_versions(),
        verification_inputs=VERIFICATION_INPUTS, limits=LIMITS, artifacts=[e for _, e in built], files=files, skipped=skipped,
        reference_scale=reference_scale(refs), kept_inaccurate=list(kept_inaccurate or []),
    )
    manifest.write(ws.root)
    return manifest


# ====================================================================== the whole recipe
def export_model(
    checkpoint: str | Path | None = None,
    template: str | Path | None = None,
    variant: str = "densestack",
    targets: str | Iterable[str] = "onnx,ort,coreml",
    precision: str | Iterable[str] = "fp32",
    out: str | Path = "exports",
    calibration: str | Path | None = None,
    upsample_form: str | None = None,
    layout: str | None = None,
    opset: int = DEFAULT_OPSET,
    skip_verify: bool = False,
    keep_inaccurate: bool = False,
    progress: bool | Callable[[str], None] = True,
) -> ExportResult:
    """Export a MobRecon model to every requested target and precision, gate, verify and record it.

    Args:
        checkpoint: checkpoint of any published HandMesh layout (its layout picks the variant);
            None exports the built-in default: ``variant`` with seeded random weights.
        template: HandMesh template folder; None uses the built-in SYNTHETIC mesh (not a hand).
        variant: registered variant (``mobrecon.list_models()``) when no checkpoint is given.
        targets: comma list of ``onnx``, ``ort`` (both ORT Mobile EPs), ``coreml`` (or row keys).
        precision: comma list of ``fp32``, ``fp16``, ``int8``; each target builds those it supports.
        out: output folder; artifacts and ``manifest.json`` land there only when every gate passed.
            Until then nothing in it changes, and it is not created.
        calibration: folder of images for int8 calibration; None uses generated images.
        upsample_form: deploy mesh upsampling (``gather``, ``dense`` or ``mixed``); None: ``mobrecon.to_deploy``'s default.
        layout: deploy decoder layout (``rows`` or ``rank4``); None: ``mobrecon.to_deploy``'s default.
        opset: ONNX opset (>= 18).
        skip_verify: skip step 4 (artifacts are then recorded as not verified).
        keep_inaccurate: write artifacts whose verification fails its accuracy limits anyway (for
            timing on devices), marked: ``verification.status`` stays ``fail`` with the reason, and
            the file is listed in ``manifest.kept_inaccurate``. Gate failures still refuse the export.
        progress: True for progress lines on stderr, False for none, or a callback.

    Returns:
        :class:`ExportResult` with ``ok`` True and the manifest of the written folder.

    Raises:
        OptionError: unknown target, precision, variant or upsample form (before any work).
        MissingExtraError: a package the requested targets need is not installed (before any work).
        OutputDirError: ``out`` cannot be created or written.
        MobReconError: unreadable checkpoint, checkpoint/topology mismatch, bad template.
        GateError: a gate or verification failed; nothing was written; ``.result`` has the verdicts.
    """
    log = progress if callable(progress) else Progress(enabled=bool(progress))
    # 1. prepare: options first (before any work), then the output folder, then the model
    chosen = resolve_targets(targets)
    precisions = resolve_precisions(precision)
    jobs, skipped = plan(chosen, precisions)
    if opset < 18:
        raise OptionError(f"opset {opset} is below 18, the minimum for these graphs")
    require_modules(sorted({m for t, _ in jobs for m in t.requires}), "mobrecon export")
    out = Path(out)
    anchor = check_output_dir(out)
    images, images_source = None, ""
    if calibration is not None:
        from mobrecon_export.quantize import load_image_folder

        images = load_image_folder(Path(calibration))
        images_source = f"folder:{Path(calibration).resolve()} ({len(images)} images)"
    prepared = prepare(Path(checkpoint) if checkpoint else None, Path(template) if template else None, variant,
                       upsample_form, layout, log)
    inputs = verification_inputs(VERIFICATION_INPUTS, prepared.inputs[0].shape[-1])
    refs = reference_outputs(prepared.model, inputs) if not skip_verify else {}
    floor = float32_floor(prepared.model, inputs, refs) if not skip_verify else {}
    if floor:
        log(f"PyTorch float32 floor (vs float64): verts max {floor['verts_max_mm']:.3g} mm, uv max {floor['uv_max_px']:.3g} px")
    ws = open_workspace(out, anchor)  # the first thing written anywhere, and only now
    ws.calibration, ws.calibration_source = images, images_source
    try:
        built: list[tuple[ArtifactOptions, ArtifactEntry]] = []
        failures: list[str] = []
        kept: list[str] = []
        for target, prec in jobs:
            opts = ArtifactOptions(target=target, precision=prec, path=ws.root / target.filename(prepared.stem, prec), workspace=ws,
                                   opset=opset, log=log)
            gate: CheckResult | None = None
            ver: VerificationResult | None = None
            try:
                convert(prepared, opts)                                         # 2. convert
                gate = check(opts)                                              # 3. check
                log(f"{target.key} {prec}: gate {gate.gate}: {gate.verdict}: {gate.summary}")
                if gate.verdict == "fail":
                    failures.append(f"{target.key} {prec}: refused by {gate.gate}: {gate.summary}")
                elif skip_verify:
                    ver = VerificationResult("not-run", reason="skipped (--skip-verify)")
                else:
                    ver = verify(opts, refs, inputs, floor)                     # 4. verify
                    log(f"{target.key} {prec}: verification {ver.status} {ver.reason}".rstrip())
                    if ver.status == "fail" and keep_inaccurate:
                        kept.append(opts.path.name)
                        log(f"{target.key} {prec}: KEPT although it fails its accuracy limits (--keep-inaccurate)")
                    elif ver.status == "fail":
                        failures.append(f"{target.key} {prec}: verification failed: {ver.reason}")
            except MobReconError as exc:
                failures.append(f"{target.key} {prec}: {exc}")
                log(f"{target.key} {prec}: FAILED: {exc}")
                if gate is None:
                    gate = CheckResult(target.gate, "fail", f"not built: {first_line(exc)}")
            built.append((opts, _entry(prepared, opts, gate, ver, ws.root)))
        options = {"targets": [t.key for t in chosen], "precisions": list(precisions), "deploy_form": prepared.upsample_form,
                   "opset": opset, "exporter": "torch.onnx.export (TorchScript, dynamo=False)",
                   "calibration": ws.calibration_source or "not used", "skip_verify": skip_verify,
                   "keep_inaccurate": keep_inaccurate}
        manifest = record(prepared, built, ws, options, skipped, refs, log, kept)  # 5. record
        if failures:
            result = ExportResult(None, manifest, False, failures, skipped)
            raise GateError(f"export refused ({len(failures)} failed): {failures[0]}; nothing was written to {out}", result)
        move_into_place(ws, out)                                        # 5b. into place
        return ExportResult(out, manifest, True, [], skipped)
    finally:
        if ws.root.exists():
            shutil.rmtree(ws.root, ignore_errors=True)
