"""A verification bundle written with numpy alone, field by field as benchmarks/devices/bundle.schema.json
and docs/device-contract.md define it, for testing the Kotlin core without ``mobrecon device bundle``.

Shapes are the real ones (inputs [N, 3, 128, 128], verts [N, 778, 3], uv [N, 21, 2]); the values are
seeded random numbers, not a model's outputs; the artifacts are placeholder bytes (the replay engine
never loads them; their sha256 is still checked).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

N_INPUTS = 4
LABELS = ["grey", "gradient", "random:0:0", "random:0:1"]
LIMITS = {"verts_max_mm": 0.4, "uv_max_px": 0.05}


@dataclass(frozen=True)
class NumpyBundle:
    folder: Path
    index: dict
    inputs: np.ndarray
    verts: np.ndarray
    uv: np.ndarray


def _raw(folder: Path, name: str, rel: str, array: np.ndarray) -> dict:
    data = np.ascontiguousarray(array, dtype="<f4").tobytes()
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return {"name": name, "file": rel, "shape": list(array.shape), "dtype": "float32", "byte_order": "little",
            "size_bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _artifact(folder: Path, file_name: str, precision: str, target: str, units: list[str], limits: dict) -> dict:
    path = folder / "artifacts" / file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(f"placeholder for {file_name}: the replay engine never loads it".encode())
    return {
        "id": file_name, "record_name": file_name.replace(f".{precision}", ""), "file": f"artifacts/{file_name}", "kind": "file",
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "size_bytes": path.stat().st_size,
        "model": "densestack", "variant": "densestack", "format": file_name.rsplit(".", 1)[1], "precision": precision, "target": target,
        "graph_form": "nnapi" if target == "ort-nnapi" else "portable",
        "runs": [{"platform": "android", "runtime": "onnxruntime", "compute_unit": u,
                  "execution_provider": {"nnapi": "NnapiExecutionProvider", "xnnpack": "XnnpackExecutionProvider", "cpu": "CPUExecutionProvider"}[u]}
                 for u in units],
        "inputs": [{"name": "image", "shape": [1, 3, 128, 128], "dtype": "float32", "unit": "normalised RGB"}],
        "outputs": [{"name": "verts", "shape": [1, 778, 3], "dtype": "float32", "unit": "0.2 m"},
                    {"name": "uv", "shape": [1, 21, 2], "dtype": "float32", "unit": "crop / 128"}],
        "limits": limits,
        "export_check": {"gate": "ort-partition", "verdict": "pass", "summary": "1 partition, 100% of nodes"},
        "export_accuracy": {"verdict": "pass", "reason": None, "verts_max_mm": 0.02, "uv_max_px": 0.004, "runtime": "onnxruntime 1.32.0"},
    }


def write_numpy_bundle(folder: Path, seed: int = 0) -> NumpyBundle:
    """Write bundle.json, the raw tensors and two placeholder artifacts into ``folder``."""
    rng = np.random.default_rng(seed)
    inputs = rng.uniform(-1, 1, (N_INPUTS, 3, 128, 128)).astype(np.float32)
    verts = (rng.standard_normal((N_INPUTS, 778, 3)) * 0.3).astype(np.float32)
    uv = rng.uniform(0, 1, (N_INPUTS, 21, 2)).astype(np.float32)
    folder.mkdir(parents=True, exist_ok=True)
    index = {
        "format": "mobrecon-device-bundle/1",
        "created_utc": "2026-12-01T00:00:00Z",
        "tool_versions": {"onnxruntime": "1.32.0", "numpy": np.__version__, "mobrecon-deploy": "test bundle (numpy)"},
        "hashing": {"file": "sha256 of the file's bytes",
                    "directory": "sha256 over files in listed order of: UTF-8 relative path, NUL, 32-byte raw sha256 of the file"},
        "preprocessing": {"size": 128, "channel_order": "RGB", "layout": "NCHW", "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5],
                          "formula": "(pixel / 255 - mean) / std", "range": [-1.0, 1.0]},
        "units": {"verts": {"to_metres": 0.2, "to_millimetres": 200.0, "description": "root-relative, units of 0.2 m"},
                  "uv": {"to_pixels": 128.0, "description": "2D joints in the 128-px crop, divided by 128"}},
        "limits": {"fp32": dict(LIMITS), "int8": {"verts_max_mm": 10.0, "uv_max_px": 3.0}},
        "inputs": {"labels": LABELS, "recipe": {"test": "numpy seeded uniform"},
                   "tensor": _raw(folder, "image", "inputs/verification.f32", inputs)},
        "models": [{
            "id": "densestack", "variant": "densestack", "card_tag": "densestack.untrained", "trained": False, "recipe": "test",
            "checkpoint_sha256": None, "checkpoint_layout": "none", "topology_source": "synthetic",
            "topology_sha256": hashlib.sha256(b"synthetic").hexdigest(), "topology_synthetic": True, "mult_adds": 439_900_000,
            "float32_floor": {"verts_max_mm": 0.0, "uv_max_px": 0.0},
            "expected_outputs": [_raw(folder, "verts", "expected/densestack.verts.f32", verts),
                                 _raw(folder, "uv", "expected/densestack.uv.f32", uv)],
        }],
        "artifacts": [
            _artifact(folder, "mobrecon-densestack.nnapi.fp32.ort", "fp32", "ort-nnapi", ["nnapi", "xnnpack", "cpu"], dict(LIMITS)),
            _artifact(folder, "mobrecon-densestack.int8.onnx", "int8", "onnx", ["xnnpack", "cpu"], {"verts_max_mm": 10.0, "uv_max_px": 3.0}),
        ],
    }
    (folder / "bundle.json").write_text(json.dumps(index, indent=1) + "\n", encoding="utf-8")
    return NumpyBundle(folder, index, inputs, verts, uv)
