"""The FreiHAND release layout and the reference's submission format.

Ground truth (as the FreiHAND release lays it out, ``utils/fh_utils.py``):
``<dir>/<set>_xyz.json`` ([S][21][3] metres, camera space, MPII order), ``<dir>/<set>_verts.json``
([S][778][3] metres), ``<dir>/<set>_K.json`` ([S][3][3] intrinsics, px), images
``<dir>/<set>/rgb/%08d.jpg``; ``<set>`` is ``evaluation`` (the released evaluation split) or ``training``.

Predictions: the JSON ``[xyz_list, verts_list]`` that HandMesh ``Runner.pred()`` writes and
FreiHAND's ``eval.py`` reads: ``xyz_list`` [S][21][3] and ``verts_list`` [S][N][3], metres,
camera space, joints in MPII order.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mobrecon.evaluation.errors import EvaluationError
from mobrecon.files import write_bytes_atomic

__all__ = ["SET_NAMES", "GroundTruth", "read_ground_truth", "read_predictions", "write_predictions", "write_ground_truth",
           "image_path"]

SET_NAMES = ("evaluation", "training")


@dataclass(frozen=True, eq=False)
class GroundTruth:
    """A FreiHAND-format set.

    Attributes:
        folder: the folder.
        set_name: ``evaluation`` or ``training``.
        xyz: [S, 21, 3] float64 metres, camera space, MPII order.
        verts: [S, V, 3] float64 metres, or None when the set has no ``*_verts.json``.
        k: [S, 3, 3] float64 intrinsics (px), or None when absent.
    """

    folder: Path
    set_name: str
    xyz: np.ndarray
    verts: np.ndarray | None
    k: np.ndarray | None

    def __len__(self) -> int:
        return int(self.xyz.shape[0])


def _load_json(path: Path, what: str):
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise EvaluationError(f"{what} {path} does not exist") from None
    except (OSError, ValueError) as err:
        raise EvaluationError(f"{path} cannot be read as JSON ({type(err).__name__})") from None


def _array(data, path: Path, shape_tail: tuple[int, ...] | None, what: str) -> np.ndarray:
    try:
        arr = np.asarray(data, dtype=np.float64)
    except (ValueError, TypeError):
        raise EvaluationError(f"{path}: {what} is not a list of equally shaped number arrays") from None
    if arr.ndim != 3 or (shape_tail is not None and arr.shape[1:] != shape_tail) or (shape_tail is None and arr.shape[2] != 3):
        want = f"[S, {', '.join(map(str, shape_tail))}]" if shape_tail else "[S, N, 3]"
        raise EvaluationError(f"{path}: {what} has shape {list(arr.shape)}, expected {want}")
    if not np.isfinite(arr).all():
        raise EvaluationError(f"{path}: {what} holds non-finite numbers")
    return arr


def read_ground_truth(folder: str | os.PathLike, set_name: str | None = None) -> GroundTruth:
    """Read ``<set>_xyz.json`` and, where present, ``<set>_verts.json`` and ``<set>_K.json``.

    Args:
        folder: the FreiHAND-format folder.
        set_name: ``evaluation`` / ``training``; None picks the one whose ``*_xyz.json`` exists
            (``evaluation`` first).

    Raises:
        EvaluationError: missing folder or files, malformed arrays, counts that differ.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise EvaluationError(f"ground-truth folder {folder} does not exist")
    if set_name is None:
        set_name = next((s for s in SET_NAMES if (folder / f"{s}_xyz.json").is_file()), None)
        if set_name is None:
            raise EvaluationError(f"{folder} holds neither evaluation_xyz.json nor training_xyz.json: not a FreiHAND-format folder")
    xyz_path = folder / f"{set_name}_xyz.json"
    xyz = _array(_load_json(xyz_path, "ground truth"), xyz_path, (21, 3), "xyz")
    verts = k = None
    verts_path, k_path = folder / f"{set_name}_verts.json", folder / f"{set_name}_K.json"
    if verts_path.is_file():
        verts = _array(_load_json(verts_path, "ground truth"), verts_path, None, "verts")
    if k_path.is_file():
        k = _array(_load_json(k_path, "ground truth"), k_path, (3, 3), "K")
    for name, arr in (("verts", verts), ("K", k)):
        if arr is not None and arr.shape[0] != xyz.shape[0]:
            raise EvaluationError(f"{folder}: {set_name}_{name}.json has {arr.shape[0]} samples but {set_name}_xyz.json has {xyz.shape[0]}")
    return GroundTruth(folder, set_name, xyz, verts, k)


def read_predictions(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read ``[xyz_list, verts_list]``: ([S, 21, 3], [S, N, 3]) float64 metres.

    Raises:
        EvaluationError: missing file, not the submission format.
    """
    path = Path(path)
    data = _load_json(path, "prediction file")
    if not isinstance(data, list) or len(data) != 2:
        raise EvaluationError(f"{path} is not a submission [xyz_list, verts_list] (expected a JSON list of two lists)")
    xyz = _array(data[0], path, (21, 3), "xyz_list")
    verts = _array(data[1], path, None, "verts_list")
    if verts.shape[0] != xyz.shape[0]:
        raise EvaluationError(f"{path}: {xyz.shape[0]} joint sets but {verts.shape[0]} meshes")
    return xyz, verts


def _write_json(path: Path, data) -> Path:
    return write_bytes_atomic(path, json.dumps(data).encode())


def write_predictions(path: str | os.PathLike, xyz: np.ndarray, verts: np.ndarray) -> Path:
    """Write ``[xyz_list, verts_list]`` (metres) atomically; the file FreiHAND's ``eval.py`` and CodaLab read."""
    return _write_json(Path(path), [np.asarray(xyz, np.float64).tolist(), np.asarray(verts, np.float64).tolist()])


def write_ground_truth(folder: str | os.PathLike, xyz: np.ndarray, verts: np.ndarray | None, k: np.ndarray | None,
                       set_name: str = "evaluation") -> Path:
    """Write a FreiHAND-format ground truth (``<set>_xyz.json``, ``_verts.json``, ``_K.json``) into ``folder``."""
    folder = Path(folder)
    _write_json(folder / f"{set_name}_xyz.json", np.asarray(xyz, np.float64).tolist())
    if verts is not None:
        _write_json(folder / f"{set_name}_verts.json", np.asarray(verts, np.float64).tolist())
    if k is not None:
        _write_json(folder / f"{set_name}_K.json", np.asarray(k, np.float64).tolist())
    return folder


def image_path(folder: str | os.PathLike, set_name: str, index: int) -> Path:
    """``<folder>/<set>/rgb/%08d.jpg`` (FreiHAND's ``read_img``; the evaluation split's green-screen version)."""
    return Path(folder) / set_name / "rgb" / f"{index:08d}.jpg"
