"""A generated stand-in topology with the hand's level sizes (778/389/195/98/49). Not a hand.

Each level is an open tube with a square cross-section (side 1, height 8: near-isotropic triangles at every level), built as a helical
triangle strip: vertex k of an N-vertex level with s vertices per turn lies at perimeter
fraction (k mod s) / s and height 8 k / (N - 1); the quad (k, k+1, k+s+1, k+s) is split into the
triangles (k, k+1, k+s+1) and (k, k+s+1, k+s). This works for every N >= 2 s + 2, gives a
consistently oriented manifold annulus (two boundary loops, interior valence 6), and needs no
trigonometry, so coordinates and weights are bit-identical on every platform.

Up-transforms map level i+1 to level i with exactly 3 entries per output vertex: the three
nearest coarse vertices (Euclidean, ties broken by index) with normalised inverse-distance
weights; a fine vertex that coincides with a coarse vertex gets weight 1.0 and two 0.0 entries.
Entries are ordered column-sorted (rows ascending within a column), like the reference's CSC order.
Spirals (length 9) come from :func:`mobrecon.spiral.compute_spirals`. The joint regressor is
one-hot on 21 vertices spread evenly over level 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mobrecon.spiral import compute_spirals
from mobrecon.up_transform import UpTransform

__all__ = ["SYNTHETIC_LEVELS", "build_synthetic_topology", "tube_vertices", "tube_faces"]

#: (vertex count, vertices per turn) per level, finest first.
SYNTHETIC_LEVELS: tuple[tuple[int, int], ...] = ((778, 20), (389, 14), (195, 10), (98, 7), (49, 5))
_HEIGHT = 8.0
_NUM_JOINTS = 21


def tube_vertices(n: int, per_turn: int) -> np.ndarray:
    """Positions of a helical square tube.

    Args:
        n: number of vertices N.
        per_turn: vertices per turn s.

    Returns:
        [N, 3] float64 (x, y, z), x and y on the square [-0.5, 0.5]^2 perimeter, z in [0, 8].
    """
    k = np.arange(n, dtype=np.int64)
    p = (k % per_turn).astype(np.float64) * 4.0 / per_turn  # perimeter position in [0, 4)
    side = np.floor(p)
    t = p - side
    x = np.select([side == 0, side == 1, side == 2], [t, np.ones_like(t), 1.0 - t], np.zeros_like(t))
    y = np.select([side == 0, side == 1, side == 2], [np.zeros_like(t), t, np.ones_like(t)], 1.0 - t)
    z = k.astype(np.float64) * _HEIGHT / (n - 1)
    return np.stack([x - 0.5, y - 0.5, z], axis=1)


def tube_faces(n: int, per_turn: int) -> np.ndarray:
    """Triangles of the helical strip: [2 (N - s - 1), 3] int64, consistently oriented."""
    if per_turn < 3 or n < 2 * per_turn + 2:
        raise ValueError(f"a helical tube needs at least 3 vertices per turn and 2 turns, got N={n}, s={per_turn}")
    k = np.arange(n - per_turn - 1, dtype=np.int64)
    lower = np.stack([k, k + 1, k + per_turn + 1], axis=1)
    upper = np.stack([k, k + per_turn + 1, k + per_turn], axis=1)
    return np.stack([lower, upper], axis=1).reshape(-1, 3)


def _up_transform(fine: np.ndarray, coarse: np.ndarray) -> UpTransform:
    """3-tap inverse-distance interpolation from ``coarse`` [M, 3] to ``fine`` [N, 3] positions."""
    diff = fine[:, None, :] - coarse[None, :, :]
    d2 = diff[..., 0] * diff[..., 0] + diff[..., 1] * diff[..., 1] + diff[..., 2] * diff[..., 2]
    nearest = np.argsort(d2, axis=1, kind="stable")[:, :3]  # [N, 3]; ties keep index order
    dist = np.sqrt(np.take_along_axis(d2, nearest, axis=1))
    exact = dist[:, 0] == 0.0
    inv = 1.0 / np.where(exact[:, None], 1.0, dist)
    weights = inv / (inv[:, 0] + inv[:, 1] + inv[:, 2])[:, None]
    weights[exact] = (1.0, 0.0, 0.0)
    row = np.repeat(np.arange(fine.shape[0], dtype=np.int64), 3)
    col = nearest.reshape(-1).astype(np.int64)
    order = np.lexsort((row, col))  # column-sorted, rows ascending within a column
    return UpTransform(
        row=row[order],
        col=col[order],
        value=weights.reshape(-1)[order].astype(np.float32),
        shape=(fine.shape[0], coarse.shape[0]),
    )


def _joint_regressor(n: int) -> np.ndarray:
    """[21, N] float64, row j one-hot at vertex j (N - 1) // 20 (evenly spread along the tube)."""
    reg = np.zeros((_NUM_JOINTS, n), dtype=np.float64)
    reg[np.arange(_NUM_JOINTS), np.arange(_NUM_JOINTS) * (n - 1) // (_NUM_JOINTS - 1)] = 1.0
    return reg


def build_synthetic_topology() -> dict[str, Any]:
    """The built-in synthetic topology (deterministic, bit-identical across calls and platforms).

    Returns:
        The :class:`mobrecon.topology.Topology` fields (``Topology(**fields)``): source = origin =
        "synthetic", num_verts (778, 389, 195, 98, 49), faces [F_i, 3] int64, spirals [N_i, 9] int64 for levels 0..3, up-transforms with 3 float32 taps
        per output row, and a one-hot joint_regressor [21, 778] float64.
    """
    verts = [tube_vertices(n, s) for n, s in SYNTHETIC_LEVELS]
    faces = tuple(tube_faces(n, s) for n, s in SYNTHETIC_LEVELS)
    num_verts = tuple(n for n, _ in SYNTHETIC_LEVELS)
    return dict(
        num_verts=num_verts,
        faces=faces,
        spirals=tuple(compute_spirals(faces[i], num_verts[i], 9) for i in range(len(num_verts) - 1)),
        up=tuple(_up_transform(verts[i], verts[i + 1]) for i in range(len(num_verts) - 1)),
        source="synthetic",
        origin="synthetic",
        joint_regressor=_joint_regressor(num_verts[0]),
    )
