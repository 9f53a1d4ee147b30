"""Quantized variants: int8 QDQ static quantization for ONNX Runtime, 8-bit weight compression for Core ML.

Usage::

    images = calibration_images(16, seed=0)          # deterministic, [16, 3, 128, 128] in [-1, 1]
    images = load_image_folder(Path("crops/"))       # or the user's own hand crops
    path = quantize_onnx_int8(prepared, opts, fp32_onnx_path)

ONNX Runtime int8: ``onnxruntime.quantization.quantize_static`` in QDQ format, weights int8
symmetric per output channel, activations uint8 asymmetric (the combination the NNAPI EP maps to
its quantized ops), MinMax calibration on the calibration images run through the fp32 graph.

Core ML int8: ``coremltools.optimize.coreml.linear_quantize_weights`` (8-bit, symmetric, per
channel) on the fp16 program: weights are stored in int8 and dequantized on load, compute stays
fp16. Prediction cannot run on Linux, so its error is reported at weight level
(:func:`weight_errors`).
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from mobrecon_export.common import ArtifactOptions, Prepared
from mobrecon_export.errors import OptionError

__all__ = ["calibration_images", "load_image_folder", "quantize_onnx_int8", "weight_errors",
           "DEFAULT_CALIBRATION_COUNT", "DEFAULT_CALIBRATION_SEED", "IMAGE_SUFFIXES"]

#: Calibration images generated when the user gives no folder.
DEFAULT_CALIBRATION_COUNT = 16
#: Seed of the generated calibration images.
DEFAULT_CALIBRATION_SEED = 20220607
#: File suffixes read from a calibration folder.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")


def calibration_images(count: int = DEFAULT_CALIBRATION_COUNT, seed: int = DEFAULT_CALIBRATION_SEED, size: int = 128) -> np.ndarray:
    """Deterministic image-like inputs: smooth colour gradients plus soft blobs plus mild noise.

    Not hands: they exercise the value ranges of natural crops (smooth regions, edges, texture)
    so MinMax calibration sees realistic activation ranges. Same seed, same bytes.

    Returns:
        [count, 3, size, size] float32 RGB normalised as ``(pixel / 255 - 0.5) / 0.5``, in [-1, 1].
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) / (size - 1)
    out = np.empty((count, 3, size, size), np.float32)
    for i in range(count):
        base = rng.uniform(0, 1, (3, 1, 1)) + rng.uniform(-0.5, 0.5, (3, 1, 1)) * xx + rng.uniform(-0.5, 0.5, (3, 1, 1)) * yy
        for _ in range(rng.integers(2, 6)):
            cx, cy, r = rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9), rng.uniform(0.05, 0.3)
            blob = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r))
            base = base + rng.uniform(-0.8, 0.8, (3, 1, 1)) * blob
        base = base + rng.normal(0, 0.02 * (i % 4), base.shape)
        out[i] = ((np.clip(base, 0, 1) - 0.5) / 0.5).astype(np.float32)
    return out


def load_image_folder(folder: Path, size: int = 128, limit: int = 256) -> np.ndarray:
    """Read up to ``limit`` images (sorted by name) as model inputs: centre square crop, resize to
    ``size`` (bilinear), RGB, ``(pixel / 255 - 0.5) / 0.5``.

    Returns:
        [N, 3, size, size] float32 in [-1, 1].

    Raises:
        OptionError: folder missing, no readable image, or Pillow not installed.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise OptionError(f"calibration folder {folder} does not exist or is not a folder")
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise OptionError("reading a calibration folder needs Pillow (pip install pillow)") from None
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)[:limit]
    images = []
    for file in files:
        try:
            with Image.open(file) as img:
                img = img.convert("RGB")
                side = min(img.size)
                left, top = (img.width - side) // 2, (img.height - side) // 2
                img = img.crop((left, top, left + side, top + side)).resize((size, size), Image.BILINEAR)
                images.append(np.asarray(img, np.float32).transpose(2, 0, 1))
        except (UnidentifiedImageError, OSError):
            continue
    if not images:
        raise OptionError(f"calibration folder {folder} holds no readable image ({', '.join(IMAGE_SUFFIXES)})")
    return ((np.stack(images) / 255.0 - 0.5) / 0.5).astype(np.float32)


class _Reader:
    """onnxruntime CalibrationDataReader over a fixed array of images, one batch-1 input at a time."""

    def __init__(self, images: np.ndarray) -> None:
        self.images, self.i = images, 0

    def get_next(self) -> dict[str, np.ndarray] | None:
        if self.i >= len(self.images):
            return None
        self.i += 1
        return {"image": self.images[self.i - 1 : self.i]}

    def rewind(self) -> None:
        self.i = 0


def quantize_onnx_int8(prepared: Prepared, opts: ArtifactOptions, fp32_path: Path) -> Path:
    """int8 QDQ static quantization of ``fp32_path`` (cached in the workspace); returns the QDQ graph.

    Records in ``opts.workspace.reports["onnx-int8"]``: calibration source and count, settings.
    """
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    ws = opts.workspace
    if "onnx-int8" in ws.cache:
        return ws.cache["onnx-int8"]
    if ws.calibration is None:
        ws.calibration, ws.calibration_source = calibration_images(), f"generated:{DEFAULT_CALIBRATION_COUNT}:seed={DEFAULT_CALIBRATION_SEED}"
    out = ws.intermediates / f"{prepared.stem}.portable.int8.onnx"
    opts.log(f"int8: calibrating on {len(ws.calibration)} images ({ws.calibration_source})")
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # quantize_static logs a pre-processing hint on the root logger
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quantize_static(
                str(fp32_path), str(out), _Reader(ws.calibration), quant_format=QuantFormat.QDQ, per_channel=True,
                activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax,
                extra_options={"WeightSymmetric": True, "ActivationSymmetric": False},
            )
    finally:
        root.setLevel(level)
    ws.cache["onnx-int8"] = out
    ws.reports["onnx-int8"] = {
        "method": "onnxruntime.quantization.quantize_static, QDQ", "weights": "int8 symmetric per channel",
        "activations": "uint8 asymmetric per tensor", "calibration": ws.calibration_source,
        "calibration_images": int(len(ws.calibration)), "calibrate_method": "MinMax",
    }
    return out


def weight_errors(original: dict[str, np.ndarray], compressed: dict[str, np.ndarray]) -> dict[str, Any]:
    """Weight-level error of a compression: per tensor ``max|w' - w| / max|w|`` and relative RMS.

    Args:
        original: weight name -> float32 array before compression.
        compressed: weight name -> the decompressed (dequantized) array, same names.

    Returns:
        ``tensors`` compared, ``max_rel_error`` / ``mean_rel_rms`` over tensors, and the worst tensor.
    """
    rel_max, rel_rms = {}, {}
    for name, w in original.items():
        if name not in compressed or compressed[name].shape != w.shape:
            continue
        w = w.astype(np.float64)
        d = compressed[name].astype(np.float64) - w
        scale = float(np.abs(w).max()) or 1.0
        rel_max[name] = float(np.abs(d).max()) / scale
        rel_rms[name] = float(np.sqrt((d ** 2).mean()) / (np.sqrt((w ** 2).mean()) or 1.0))
    if not rel_max:
        return {"tensors": 0}
    worst = max(rel_max, key=rel_max.get)
    return {
        "tensors": len(rel_max),
        "max_rel_error": max(rel_max.values()),
        "mean_rel_rms": float(np.mean(list(rel_rms.values()))),
        "max_rel_rms": max(rel_rms.values()),
        "worst_tensor": worst,
        "explainer": "per weight tensor: max|w_compressed - w| / max|w| and RMS(w_compressed - w) / RMS(w); "
                     "prediction cannot run on Linux, so output error is not measured",
    }
