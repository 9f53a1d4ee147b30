"""The MobRecon benchmark suite: every artifact and runtime that can run here, plus the peers, in one run.

Usage::

    from mobrecon_bench.running.suite import run_suite

    result = run_suite()                         # built-in defaults: densestack + ghoststack, exported now
    result = run_suite("exports/", threads=[1, 2], rounds=5)

What is measured, per variant (one export folder with ``manifest.json`` each):

- ``mobrecon-<v>.torch-reference``: PyTorch eager, the reference form as a HandMesh user runs it;
- ``mobrecon-<v>.torch-deploy``: PyTorch eager, ``mobrecon.to_deploy(model)`` (what the exporter converts);
- ``mobrecon-<v>.naive.onnx``: ``torch.onnx.export`` of the reference form (see ``naive_onnx``) on
  ONNX Runtime CPU, built into a temp folder;
- every ``.onnx`` and ``.ort`` file of the folder, each precision, on ONNX Runtime CPU (the ``.ort``
  files are built for the NNAPI / CoreML execution providers; on this host they run on the CPU EP);
- every ``.mlpackage`` as a "skipped" row (Core ML prediction needs macOS/iOS);

and once per run MediaPipe's ``hand_landmark_full.tflite`` on LiteRT (a different task; skipped
with the reason when the file or ``ai-edge-litert`` cannot be had), and the yardstick
(``yardstick.onnx``, ``form == "yardstick"``: a fixed graph that is not a model, see
``mobrecon_bench.running.yardstick``), timed in the same rounds so that the gate can normalise two runs by
the machine's speed in each. ``skip_yardstick=True`` leaves it out.

The PyTorch model is rebuilt from the manifest's recipe. Every MobRecon row carries the variant's
multiply-adds (``mobrecon.profile``, the paper's convention, counted on the reference form: the same
work figure for every form, so achieved rates compare forms on equal work) and an accuracy verdict:
from the manifest's verification for a given folder; measured here for the built-in defaults (they
are exported with ``skip_verify=True`` so that int8, which fails the task-level limits on random
weights, is still built and timed) and for the torch-deploy and naive rows. Timing and accuracy are
judged apart: a row that fails its limits is still timed (``status`` "ok") and says
``accuracy.verdict == "fail"`` with the failed limit.
"""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import numpy as np

from mobrecon_bench.running.benchmark import run_benchmark
from mobrecon_bench.errors import BenchmarkError
from mobrecon_bench.running.runners import FailedArtifact, OrtRunner, Runner, TorchRunner
from mobrecon_bench.results.schema import Accuracy, BenchmarkResult
from mobrecon_bench.running.yardstick import yardstick_runner

__all__ = [
    "DEFAULT_VARIANTS",
    "DEFAULT_PRECISION",
    "DEFAULT_TARGETS",
    "COREML_SKIP_REASON",
    "ExportFolder",
    "export_folders",
    "export_defaults",
    "load_export",
    "artifact_name",
    "suite_runners",
    "run_suite",
    "run_files",
]

#: What ``run_suite()`` exports when no folder is given.
DEFAULT_VARIANTS = ("densestack", "ghoststack")
DEFAULT_PRECISION = "fp32,int8"
DEFAULT_TARGETS = "onnx,ort"
COREML_SKIP_REASON = "Core ML prediction needs macOS/iOS"
MEASURED_SOURCE = "measured by mobrecon bench (verification inputs of the manifest)"
MANIFEST_SOURCE = "export manifest"

Log = Callable[[str], None]


@dataclass
class ExportFolder:
    """One export folder read for benchmarking.

    Attributes:
        folder: the folder holding ``manifest.json``.
        manifest: its manifest (``mobrecon_export.manifest.Manifest``).
        model: the PyTorch reference-form model rebuilt from the manifest's recipe (eval, float32).
        deploy: ``mobrecon.to_deploy(model, ...)`` with the manifest's deploy options.
        inputs: the manifest's verification inputs, [(label, [1, 3, S, S] float32)].
        refs: reference outputs on ``inputs``: name -> [N, ...] float32.
    """

    folder: Path
    manifest: Any
    model: Any
    deploy: Any
    inputs: list[tuple[str, np.ndarray]]
    refs: dict[str, np.ndarray]

    @property
    def variant(self) -> str:
        """Registered variant name of the model, e.g. "densestack"."""
        return self.manifest.model.variant

    @cached_property
    def float32_floor(self) -> dict[str, float]:
        """The reference's own float32 error on ``inputs`` (metric -> value, mm / px), computed once."""
        from mobrecon_export.verify import float32_floor

        return float32_floor(self.model, self.inputs, self.refs)


def export_folders(directory: str | Path) -> list[Path]:
    """Export folders under ``directory``: itself if it holds ``manifest.json``, else its subfolders that do.

    Raises:
        BenchmarkError: if ``directory`` is missing or holds no export folder.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise BenchmarkError(f"export folder {directory} does not exist")
    if (directory / "manifest.json").is_file():
        return [directory]
    found = sorted(p.parent for p in directory.glob("*/manifest.json"))
    if not found:
        raise BenchmarkError(f"{directory} has no manifest.json (nor do its subfolders): not an export folder")
    return found


def export_defaults(out: Path, variants: Sequence[str] = DEFAULT_VARIANTS, log: Log = lambda m: None) -> list[Path]:
    """Export the built-in default models (seeded weights, synthetic mesh) for benchmarking.

    Targets ``onnx,ort``, precisions ``fp32,int8``, ``skip_verify=True`` (verification is run by
    :func:`load_export` instead, so failing int8 artifacts are still written and timed).

    Args:
        out: parent folder; variant ``v`` goes to ``out / v``.
        variants: registered variant names.
        log: progress callback.

    Returns:
        The export folders, one per variant.
    """
    from mobrecon_export.pipeline import export_model

    folders = []
    for variant in variants:
        log(f"exporting the built-in default {variant} (seeded weights, synthetic mesh) to {out / variant}")
        result = export_model(variant=variant, targets=DEFAULT_TARGETS, precision=DEFAULT_PRECISION,
                              out=out / variant, skip_verify=True, progress=False)  # fmt: skip
        folders.append(result.out_dir)
    return folders


def _deploy_options(text: str) -> dict[str, str]:
    """``"upsample_form=gather, layout=rows"`` (the manifest's ``options.deploy_form``) -> dict."""
    pairs = [part.strip().split("=", 1) for part in text.split(",") if "=" in part]
    return {k.strip(): v.strip() for k, v in pairs}


def load_export(folder: str | Path, log: Log = lambda m: None) -> ExportFolder:
    """Read an export folder: check file hashes, rebuild the PyTorch model and its deploy form, reference outputs.

    Raises:
        BenchmarkError: if the manifest is missing or a file changed (one sentence).
    """
    from mobrecon import to_deploy
    from mobrecon.errors import MobReconError
    from mobrecon_export.manifest import Manifest
    from mobrecon_export.source import rebuild_source_model
    from mobrecon_export.verify import reference_outputs, verification_inputs

    folder = Path(folder)
    try:
        manifest = Manifest.load(folder)
        manifest.check_files(folder)
        log(f"rebuilding the PyTorch model of {folder} ({manifest.model.recipe})")
        model = rebuild_source_model(manifest.model).eval()
        deploy = to_deploy(model, **_deploy_options(str(manifest.options.get("deploy_form", "")))).eval()
    except MobReconError as err:
        raise BenchmarkError(str(err)) from None
    inputs = verification_inputs(manifest.verification_inputs, model.card.input_size)
    return ExportFolder(folder, manifest, model, deploy, inputs, reference_outputs(model, inputs))


def artifact_name(file: str, precision: str) -> str:
    """Record name of an artifact file: the file name without its precision part.

    ``mobrecon-densestack.nnapi.int8.ort`` -> ``mobrecon-densestack.nnapi.ort``; with the record's
    precision field this keys the record across runs.
    """
    return file.replace(f".{precision}.", ".", 1)


def _accuracy(verification: Any, source: str) -> Accuracy:
    """Schema accuracy from an export ``VerificationResult`` (None -> no verdict)."""
    if verification is None:
        return Accuracy(verdict="not-run", reason="no verification recorded", source=source)
    metrics = verification.metrics or {}
    return Accuracy(
        vertex_error_mm_max=metrics.get("verts", {}).get("verts_max_mm"),
        joint2d_error_px_max=metrics.get("uv", {}).get("uv_max_px"),
        verdict=verification.status,
        reason=verification.reason or None,
        source=source,
    )


def _measured_accuracy(ex: ExportFolder, outs: dict[str, np.ndarray], precision: str = "fp32") -> Accuracy:
    """Compare outputs with the reference under the manifest's limits for ``precision`` (fp32: plus 3x the float32 floor)."""
    from mobrecon_export.manifest import VerificationResult
    from mobrecon_export.verify import compare, effective_limits

    applied = effective_limits(precision, ex.float32_floor, ex.manifest.limits)
    table, failed = compare(ex.refs, outs, applied)
    return _accuracy(VerificationResult("fail" if failed else "pass", reason="; ".join(failed), metrics=table), MEASURED_SOURCE)


def _torch_outputs(module: Any, ex: ExportFolder) -> dict[str, np.ndarray]:
    from mobrecon_export.verify import reference_outputs

    return reference_outputs(module, ex.inputs)


@cache
def _mult_adds(variant: str) -> int:
    from mobrecon.profile import profile_variant

    return profile_variant(variant).total_mult_adds


def _example_image(size: int) -> Any:
    """Fixed torch input [1, 3, size, size] float32, uniform in [-1, 1] (seed 0)."""
    import torch

    gen = torch.Generator().manual_seed(0)
    return torch.rand(1, 3, size, size, generator=gen) * 2 - 1


def _torch_runners(ex: ExportFolder, log: Log) -> list[Runner]:
    stem, variant, ops = f"mobrecon-{ex.variant}", ex.variant, _mult_adds(ex.variant)
    image = _example_image(ex.model.card.input_size)
    log(f"{stem}: comparing the deploy form with the reference form on {len(ex.inputs)} inputs")
    deploy_acc = _measured_accuracy(ex, _torch_outputs(ex.deploy, ex))
    reference, deploy = ex.model, ex.deploy
    return [
        TorchRunner(name=f"{stem}.torch-reference", variant=variant, mult_adds=ops, form="reference",
                    accuracy=Accuracy(verdict="reference", source="the reference itself"),
                    model_factory=lambda: copy.deepcopy(reference), example_inputs=(image,)),
        TorchRunner(name=f"{stem}.torch-deploy", variant=variant, mult_adds=ops, form="deploy", accuracy=deploy_acc,
                    model_factory=lambda: copy.deepcopy(deploy), example_inputs=(image,)),
    ]  # fmt: skip


def _naive_runner(ex: ExportFolder, workdir: Path, log: Log) -> Runner:
    from mobrecon_bench.running.naive_onnx import export_naive_onnx
    from mobrecon_export.verify import run_onnxruntime

    stem = f"mobrecon-{ex.variant}"
    path = workdir / f"{stem}.naive.fp32.onnx"
    log(f"{stem}: naive torch.onnx.export of the reference form -> {path.name}")
    try:
        export_naive_onnx(ex.model, path, input_size=ex.model.card.input_size)
        outs, _ = run_onnxruntime(path, ex.inputs)
    except Exception as err:  # any exporter failure is the peer's result, not a crash of the run
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]
        return FailedArtifact(name=f"{stem}.naive.onnx", variant=ex.variant, form="naive-export", status="export_failed",
                              reason=f"torch.onnx.export of the reference form failed: {first}",
                              runtime_name="onnxruntime", artifact_format="onnx")  # fmt: skip
    return OrtRunner(name=f"{stem}.naive.onnx", variant=ex.variant, mult_adds=_mult_adds(ex.variant), form="naive-export",
                     accuracy=_measured_accuracy(ex, outs), path=path)  # fmt: skip


def _artifact_runners(ex: ExportFolder, verify: bool, log: Log) -> list[Runner]:
    from mobrecon_export.targets import get_target
    from mobrecon_export.verify import verify_artifact

    runners: list[Runner] = []
    for entry in ex.manifest.artifacts:
        path = ex.folder / entry.file
        common = dict(name=artifact_name(entry.file, entry.precision), variant=ex.variant, precision=entry.precision,
                      form="deploy")  # fmt: skip
        if path.suffix == ".mlpackage":
            runners.append(FailedArtifact(**common, status="skipped", reason=COREML_SKIP_REASON, runtime_name="coreml",
                                          artifact_format="mlpackage"))  # fmt: skip
            continue
        if verify:
            log(f"verifying {entry.file} against PyTorch")
            ver = verify_artifact(path, get_target(entry.target).runtime, entry.precision, ex.refs, ex.inputs,
                                  ex.float32_floor, ex.manifest.limits)  # fmt: skip
            accuracy = _accuracy(ver, MEASURED_SOURCE)
        else:
            accuracy = _accuracy(entry.verification, MANIFEST_SOURCE)
        runners.append(OrtRunner(**common, mult_adds=_mult_adds(ex.variant), accuracy=accuracy, path=path))
    return runners


def suite_runners(
    folders: Sequence[ExportFolder],
    workdir: Path,
    *,
    verify: bool,
    skip_torch: bool = False,
    skip_naive: bool = False,
    skip_mediapipe: bool = False,
    skip_yardstick: bool = False,
    log: Log = lambda m: None,
) -> list[Runner]:
    """Runners of the suite, in table order: per variant torch reference, torch deploy, naive ONNX,
    the folder's artifacts; then MediaPipe and the yardstick.

    Args:
        folders: loaded export folders.
        workdir: folder for the naive exports and the yardstick file (the caller deletes it).
        verify: measure each artifact's accuracy here instead of reading the manifest's.
        skip_torch, skip_naive, skip_mediapipe, skip_yardstick: leave those rows out.
        log: progress callback.
    """
    runners: list[Runner] = []
    for ex in folders:
        if not skip_torch:
            runners += _torch_runners(ex, log)
        if not skip_naive:
            runners.append(_naive_runner(ex, workdir, log))
        runners += _artifact_runners(ex, verify, log)
    if not skip_mediapipe:
        from mobrecon_bench.running.mediapipe_peer import mediapipe_runner

        log("MediaPipe hand_landmark_full.tflite: cache, or pip download of the mediapipe wheel")
        runners.append(mediapipe_runner())
    if not skip_yardstick:
        runners.append(yardstick_runner(workdir))
    return runners


def run_suite(
    directory: str | Path | None = None,
    *,
    variants: Sequence[str] = DEFAULT_VARIANTS,
    threads: Sequence[int] | None = None,
    rounds: int = 5,
    warmup: int = 10,
    min_iters: int = 20,
    time_budget_s: float = 1.0,
    skip_floor: bool = False,
    skip_torch: bool = False,
    skip_naive: bool = False,
    skip_mediapipe: bool = False,
    skip_yardstick: bool = False,
    progress: bool = True,
    log: Log = lambda m: None,
) -> BenchmarkResult:
    """Benchmark an export folder (or the built-in defaults) with its peers, interleaved in one run.

    Args:
        directory: an export folder with ``manifest.json``, or a folder of such folders; None exports
            the built-in default ``variants`` into a temp folder and verifies them here.
        variants: variants exported when ``directory`` is None.
        threads: thread counts; None means 1 and all usable cores.
        rounds, warmup, min_iters, time_budget_s: as in :func:`mobrecon_bench.running.timing.measure`.
        skip_floor: do not measure the compute floor.
        skip_torch: leave out the PyTorch eager rows.
        skip_naive: leave out the naive ONNX export of the reference form.
        skip_mediapipe: leave out MediaPipe's hand landmark model.
        skip_yardstick: leave out the yardstick (then the gate judges this run's records on raw
            ratios only).
        progress: progress bar on stderr.
        log: callback for setup messages (exports, verification, downloads).

    Returns:
        The BenchmarkResult (every record with cost and accuracy where known).

    Raises:
        BenchmarkError: for a missing or changed export folder, or an option out of range.
    """
    from mobrecon_bench.running.host import usable_cores

    threads = list(threads) if threads else sorted({1, usable_cores()})
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mobrecon-bench-")))
        if directory is None:
            paths, verify = export_defaults(workdir / "exports", variants, log), True
        else:
            paths, verify = export_folders(directory), False
        folders = [load_export(p, log) for p in paths]
        runners = suite_runners(folders, workdir / "naive", verify=verify, skip_torch=skip_torch,
                                skip_naive=skip_naive, skip_mediapipe=skip_mediapipe, skip_yardstick=skip_yardstick,
                                log=log)  # fmt: skip
        return run_benchmark(runners, threads=threads, rounds=rounds, warmup=warmup, min_iters=min_iters,
                             time_budget_s=time_budget_s, skip_floor=skip_floor, progress=progress)  # fmt: skip


def run_files(
    paths: Sequence[str | Path],
    *,
    threads: Sequence[int] | None = None,
    rounds: int = 5,
    warmup: int = 10,
    min_iters: int = 20,
    time_budget_s: float = 1.0,
    skip_floor: bool = False,
    skip_yardstick: bool = False,
    progress: bool = True,
) -> BenchmarkResult:
    """Benchmark loose artifact files (``.onnx``, ``.ort``, ``.tflite``) without a manifest: no cost,
    no accuracy; the variant is read from the file name. The yardstick is timed in the same rounds
    unless ``skip_yardstick``. Options as in :func:`run_suite`.

    Raises:
        BenchmarkError: for a missing file, an unsupported suffix or an option out of range.
    """
    from mobrecon_bench.running.benchmark import runners_for_files

    runners = runners_for_files(paths)
    with tempfile.TemporaryDirectory(prefix="mobrecon-bench-") as workdir:
        if not skip_yardstick:
            runners.append(yardstick_runner(workdir))
        return run_benchmark(runners, threads=threads, rounds=rounds, warmup=warmup, min_iters=min_iters,
                             time_budget_s=time_budget_s, skip_floor=skip_floor, progress=progress)  # fmt: skip
