"""What every target function shares: the prepared model, per-artifact options, the ``@export_step``
decorator (timing, progress, size, error wrapping), tool versions and artifact metadata.

Usage (inside a target module)::

    @export_step("ONNX")
    def export_onnx(prepared: Prepared, opts: ArtifactOptions) -> Path:
        ...
        return opts.path
"""

from __future__ import annotations

import functools
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from mobrecon.errors import MobReconError
from mobrecon_export.errors import ExportError
from mobrecon_export.manifest import ModelSource, TensorSpec, path_size
from mobrecon_export.targets import Target

__all__ = ["TupleOutputs", "Progress", "Prepared", "Workspace", "ArtifactOptions", "export_step", "tool_versions", "first_line"]

#: ONNX opset of every ONNX graph (>= 18: Resize and ReduceMean as used, and the brief's floor).
DEFAULT_OPSET = 18


class TupleOutputs(torch.nn.Module):
    """A model with dict outputs ``verts``, ``uv`` as one with tuple outputs ``(verts, uv)``, for exporters."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.model(image)
        return out["verts"], out["uv"]


class Progress:
    """Progress lines on stderr (``[  12.3s] message``); silent when ``enabled`` is False."""

    def __init__(self, enabled: bool = True, stream: Any = None) -> None:
        self.enabled = enabled
        self.stream = stream
        self.start = time.perf_counter()

    def __call__(self, message: str) -> None:
        if self.enabled:
            print(f"[{time.perf_counter() - self.start:7.1f}s] {message}", file=self.stream or sys.stderr, flush=True)


@dataclass(frozen=True)
class Prepared:
    """The shared pre-step's result: built once, read by every target function.

    Attributes:
        model: the PyTorch model as loaded (reference form, eval, float32): the verification reference.
        deploy: its deploy copy (``mobrecon.to_deploy(model, ...)``), what every artifact is converted from.
        upsample_form: the deploy options used, e.g. ``upsample_form=mixed, layout=rows``.
        example: [1, 3, 128, 128] float32 example input in [-1, 1] (deterministic).
        inputs: the artifact input spec.
        outputs: the artifact output specs (shapes recorded from the dry runs).
        source: where the model came from and how to rebuild it.
        stem: artifact file stem, ``mobrecon-<variant>``.
        metadata: string metadata written into every artifact (no time, no host, no absolute path).
        normalisation: input normalisation as data.
    """

    model: torch.nn.Module
    deploy: torch.nn.Module
    upsample_form: str
    example: torch.Tensor
    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]
    source: ModelSource
    stem: str
    metadata: dict[str, str]
    normalisation: dict[str, Any]


@dataclass
class Workspace:
    """The temporary export folder and the intermediates shared between artifacts.

    Attributes:
        root: temp folder inside the output folder; everything is written here first.
        intermediates: sub-folder for files that are not shipped (graph forms, calibration...).
        cache: intermediate name -> path (e.g. ``onnx-fp32`` -> the portable fp32 graph).
        reports: intermediate name -> what building it did (simplification, rewrites...).
        models: in-memory intermediates that are not files (e.g. the fp16 Core ML model).
        calibration: [N, 3, 128, 128] float32 calibration images, or None until needed.
        calibration_source: what the calibration images are.
    """

    root: Path
    intermediates: Path
    cache: dict[str, Path] = field(default_factory=dict)
    reports: dict[str, Any] = field(default_factory=dict)
    models: dict[str, Any] = field(default_factory=dict)
    calibration: np.ndarray | None = None
    calibration_source: str = ""


@dataclass
class ArtifactOptions:
    """Options of one artifact; the target function writes what it did into ``record``.

    Attributes:
        target: the target row.
        precision: ``fp32``, ``fp16`` or ``int8``.
        path: where to write the artifact (inside the workspace).
        workspace: shared temp folder and intermediates.
        opset: ONNX opset.
        log: progress callback.
        record: build details for the manifest (filled by the target function).
    """

    target: Target
    precision: str
    path: Path
    workspace: Workspace
    opset: int = DEFAULT_OPSET
    log: Callable[[str], None] = field(default=lambda message: None)
    record: dict[str, Any] = field(default_factory=dict)


def first_line(exc: BaseException) -> str:
    """First line of an exception message (or its type name), at most 200 characters."""
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]


def export_step(label: str) -> Callable[[Callable[[Prepared, ArtifactOptions], Path]], Callable[[Prepared, ArtifactOptions], Path]]:
    """Decorator of a target function: progress, timing, size, and error wrapping.

    Errors the user can act on (:class:`MobReconError`, e.g. a refused gate, and a missing optional
    package) pass through; anything else becomes one :class:`ExportError` sentence with the original chained.
    """

    def wrap(fn: Callable[[Prepared, ArtifactOptions], Path]) -> Callable[[Prepared, ArtifactOptions], Path]:
        @functools.wraps(fn)
        def run(prepared: Prepared, opts: ArtifactOptions) -> Path:
            opts.log(f"{label} {opts.precision}: building {opts.path.name}")
            start = time.perf_counter()
            try:
                path = fn(prepared, opts)
            except (MobReconError, ModuleNotFoundError):  # a missing package: the CLI names the extra (mobrecon.extras)
                raise
            except Exception as exc:  # noqa: BLE001 - wrapped into one sentence, cause chained
                raise ExportError(f"{label} {opts.precision} export failed: {type(exc).__name__}: {first_line(exc)}") from exc
            seconds = time.perf_counter() - start
            opts.record["seconds"] = round(seconds, 2)
            opts.log(f"{label} {opts.precision}: {path.name} {path_size(path) / 1e6:.2f} MB in {seconds:.1f}s")
            return path

        return run

    return wrap


_TOOLS = ("mobrecon-deploy", "torch", "numpy", "onnx", "onnxruntime", "onnxsim", "coremltools")


def tool_versions() -> dict[str, str]:
    """Versions of the packages the export uses (``not installed`` where absent)."""
    out = {"python": sys.version.split()[0]}
    for name in _TOOLS:
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            out[name] = "not installed"
    if out["mobrecon-deploy"] == "not installed":
        import mobrecon

        out["mobrecon-deploy"] = f"{mobrecon.__version__} (source tree)"
    out["torch"] = torch.__version__
    return out
