"""Run artifacts over a FreiHAND-format image folder through the pipeline, and evaluate each.

Usage::

    from mobrecon.evaluation.dataset import run_dataset

    result = run_dataset("FreiHAND_eval", artifacts=["pytorch", "exports/mobrecon_densestack.onnx"], template="template")
    print(result.format())          # metrics side by side, one column per artifact

Each image ``<set>/rgb/%08d.jpg`` goes through :class:`mobrecon.pipeline.hand.HandPipeline` with the
reference's FreiHAND evaluation crop (HandMesh ``mobrecon/datasets/freihand.py``
``get_eval_sample``: the 100 x 100 box at ``(W // 2 - 50, H // 2 - 50)``, x1.3, right hand), the
set's ``K``, and the registration; the predictions are the camera-space joints (MPII order) and
vertices, as ``Runner.pred()`` writes them. The reference's 2D error compares the network's uv
with the ground-truth joints projected into the same crop.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mobrecon.evaluation.errors import EvaluationError
from mobrecon.evaluation.freihand import image_path, read_ground_truth, write_predictions
from mobrecon.evaluation.report import METRICS, EvalReport, evaluate

__all__ = ["PYTORCH", "freihand_eval_box", "DatasetResult", "run_dataset"]

#: The artifact name that means "the PyTorch model" (``--checkpoint`` or the built-in weights).
PYTORCH = "pytorch"


def freihand_eval_box(width: int, height: int) -> tuple[float, float, float, float]:
    """The reference's FreiHAND evaluation box: ``(W // 2 - 50, H // 2 - 50, 100, 100)`` px."""
    return float(width // 2 - 50), float(height // 2 - 50), 100.0, 100.0


@dataclass(frozen=True)
class DatasetResult:
    """Per-artifact reports of :func:`run_dataset`.

    Attributes:
        reports: artifact name -> report.
        labels: artifact name -> what the model is (says UNTRAINED / SYNTHETIC where so).
        prediction_files: artifact name -> written ``[xyz_list, verts_list]`` file, when asked for.
    """

    reports: dict[str, EvalReport]
    labels: dict[str, str]
    prediction_files: dict[str, Path]

    def to_dict(self) -> dict:
        return {name: {**r.to_dict(), "model": self.labels[name]} for name, r in self.reports.items()}

    def format(self) -> str:
        names = list(self.reports)
        short = [Path(n).name for n in names]
        metrics = [m for m in METRICS if any(m in r.metrics for r in self.reports.values())]
        width = max(12, *(len(s) for s in short))
        lines = [f"{'metric':<24} " + " ".join(f"{s:>{width}}" for s in short)]
        for m in metrics:
            vals = [self.reports[n].metrics.get(m) for n in names]
            lines.append(f"{m:<24} " + " ".join(f"{v:>{width}.4f}" if v is not None else f"{'-':>{width}}" for v in vals)
                         + f"  {METRICS[m][0]}")
        lines += [f"{s}: {self.labels[n]}" for s, n in zip(short, names)]
        lines += [f"wrote {p}" for p in self.prediction_files.values()]
        return "\n".join(lines)


def _progress(total: int, enabled: bool):
    if not enabled:
        return None
    try:
        from tqdm import tqdm

        return tqdm(total=total, unit="img", file=sys.stderr)
    except ImportError:
        return None


def run_dataset(dataset: str | os.PathLike, artifacts: list[str] | None = None, *, checkpoint: Path | None = None,
                template: Path | None = None, set_name: str | None = None, limit: int | None = None,
                save_predictions: Path | None = None, progress: bool = True, models: dict | None = None) -> DatasetResult:
    """Every artifact over the images of a FreiHAND-format folder, through the pipeline.

    Args:
        dataset: folder with ``<set>_xyz.json``, ``<set>_K.json`` (and ``<set>_verts.json`` for mesh
            metrics) and ``<set>/rgb/%08d.jpg``.
        artifacts: ``"pytorch"`` and/or ``.onnx`` / ``.ort`` paths; default ``["pytorch"]``.
        checkpoint, template: the PyTorch model and the topology of every artifact.
        set_name: ``evaluation`` / ``training``; default: the one present.
        limit: evaluate only the first ``limit`` samples.
        save_predictions: folder to write one ``<artifact>.pred.json`` per artifact into.
        progress: a progress bar on stderr (tqdm when installed).
        models: name -> already loaded :class:`mobrecon.pipeline.runner.LoadedModel` (used instead of ``artifacts``).

    Raises:
        MobReconError: a missing image or file, an artifact that disagrees with the template.
    """
    from mobrecon.pipeline.demo import read_image
    from mobrecon.pipeline.hand import HandPipeline
    from mobrecon.pipeline.registration import project
    from mobrecon.pipeline.runner import load_crop_model

    gt = read_ground_truth(dataset, set_name)
    if gt.k is None:
        raise EvaluationError(f"{gt.folder} has no {gt.set_name}_K.json: the camera is needed for the crop and the registration")
    count = len(gt) if limit is None else min(limit, len(gt))
    if count <= 0:
        raise EvaluationError("no samples to evaluate")
    gt_used = type(gt)(gt.folder, gt.set_name, gt.xyz[:count], None if gt.verts is None else gt.verts[:count], gt.k[:count])
    if models is None:
        models = {name: load_crop_model(checkpoint=checkpoint, template=template, artifact=None if name == PYTORCH else Path(name))
                  for name in (artifacts or [PYTORCH])}
    names = list(models)
    pipelines = {name: HandPipeline(loaded) for name, loaded in models.items()}
    collected = {n: {"xyz": [], "verts": [], "uv": [], "uv_gt": []} for n in names}
    bar = _progress(count, progress)
    for i in range(count):
        path = image_path(gt.folder, gt.set_name, i)
        frame = read_image(path)
        box = freihand_eval_box(frame.shape[1], frame.shape[0])
        for name, pipe in pipelines.items():
            result = pipe.run(frame, gt.k[i], box=box, handedness="right")
            c = collected[name]
            c["xyz"].append(result.joints_camera)
            c["verts"].append(result.verts_camera)
            c["uv"].append(result.uv_crop_px)
            c["uv_gt"].append(project(gt.xyz[i], result.k_crop))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    reports, files = {}, {}
    for name in names:
        c = {k: np.array(v) for k, v in collected[name].items()}
        reports[name] = evaluate(gt_used, c["xyz"], c["verts"], uv_crop_pred=c["uv"], uv_crop_gt=c["uv_gt"], label=name)
        if save_predictions is not None:
            files[name] = write_predictions(Path(save_predictions) / f"{Path(name).name}.pred.json", c["xyz"], c["verts"])
    return DatasetResult(reports, {n: p.loaded.label for n, p in pipelines.items()}, files)
