"""From a camera frame to a hand mesh in metres: hand box, crop, model, camera-space registration.

Usage::

    from mobrecon.pipeline import HandPipeline
    from mobrecon.pipeline.runner import load_crop_model

    pipe = HandPipeline(load_crop_model(checkpoint=None, template=None, artifact=None))
    result = pipe.run(frame, k_frame, box=None)    # frame [H, W, 3] uint8 RGB, K [3, 3] frame px
    result.verts_camera                             # [778, 3] float64, metres, camera space

Modules, one job each (numpy only at run time, except the model runners and LiteRT):
:mod:`~mobrecon.pipeline.crop` (square box x1.3, affine, bilinear warp, inverse mapping, mirroring),
:mod:`~mobrecon.pipeline.outputs` (metres, joint orders), :mod:`~mobrecon.pipeline.registration`
(camera-space translation), :mod:`~mobrecon.pipeline.handbox` (MediaPipe hand box),
:mod:`~mobrecon.pipeline.mediapipe_assets` (pinned, cached MediaPipe files),
:mod:`~mobrecon.pipeline.runner` (PyTorch / ``.onnx`` / ``.ort`` behind one interface),
:mod:`~mobrecon.pipeline.hand` (the steps chained), :mod:`~mobrecon.pipeline.demo` (files for a person).
"""

from __future__ import annotations

from typing import Any

__all__ = ["HandPipeline", "HandResult"]


def __getattr__(name: str) -> Any:
    if name in ("HandPipeline", "HandResult"):
        from mobrecon.pipeline import hand

        return getattr(hand, name)
    raise AttributeError(name)
