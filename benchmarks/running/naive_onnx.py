"""The peer a HandMesh user would build: ``torch.onnx.export`` of the reference form, nothing else.

Usage::

    from mobrecon_bench.running.naive_onnx import export_naive_onnx

    path = export_naive_onnx(model, tmp / "mobrecon-densestack.naive.fp32.onnx")

No deploy rewrites, no BatchNorm folding, no simplifier: the reference-form network (scatter-based
mesh upsampling, ``grid_sample`` pose pooling, BatchNorm, the reorg) goes through the TorchScript
exporter (``dynamo=False``, opset 18) as it is. ONNX Runtime then applies its own default graph
optimisations at session load, as it would for that user.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch

from mobrecon_export.common import TupleOutputs

__all__ = ["NAIVE_OPSET", "export_naive_onnx"]

#: Opset of the naive export (the TorchScript exporter's, as the project's own exports use).
NAIVE_OPSET = 18


def export_naive_onnx(model: torch.nn.Module, path: str | Path, *, input_size: int = 128) -> Path:
    """Export the reference-form model as a plain ONNX file.

    Args:
        model: MobRecon in reference form, eval mode, float32; ``image`` [1, 3, S, S] float32 in
            [-1, 1] -> dict with ``verts`` [1, V, 3] (units of 0.2 m) and ``uv`` [1, 21, 2] (crop / S).
        path: the ``.onnx`` file to write.
        input_size: S, the crop side in pixels.

    Returns:
        The written path; graph inputs ``image``, outputs ``verts``, ``uv``, fixed batch 1.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    example = torch.zeros(1, 3, input_size, input_size)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # TorchScript exporter deprecation and tracer notices
        torch.onnx.export(
            TupleOutputs(model.eval()),
            (example,),
            str(path),
            dynamo=False,
            opset_version=NAIVE_OPSET,
            input_names=["image"],
            output_names=["verts", "uv"],
        )
    return path
