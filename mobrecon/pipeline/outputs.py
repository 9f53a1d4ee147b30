"""Network outputs in task units: vertices in metres, joints by the regressor in MANO and FreiHAND/MPII order.

Usage::

    from mobrecon.pipeline.outputs import verts_metres, joints_mpii

    verts_m = verts_metres(out_verts)            # [778, 3] metres, root-relative
    xyz = joints_mpii(verts_m, topology.joint_regressor)   # [21, 3] metres, FreiHAND/MPII order

Joint orders (HandMesh ``mobrecon/tools/kinematics.py``):

- MANO (what ``j_reg @ verts`` gives): wrist, index 0-2, middle 0-2, little 0-2, ring 0-2,
  thumb 0-2, then the tips index, middle, little, ring, thumb (rows 16-20 of ``j_reg`` are one-hot
  on fingertip vertices).
- FreiHAND/MPII (the network's ``uv``, FreiHAND's ``*_xyz.json``, MediaPipe's landmarks): wrist,
  thumb 0-3, index 0-3, middle 0-3, ring 0-3, little 0-3.
"""

from __future__ import annotations

import numpy as np

__all__ = ["VERTS_TO_METRES", "MANO_JOINTS", "MPII_JOINTS", "MANO_TO_MPII", "MPII_BONES", "verts_metres",
           "joints_mano", "mano_to_mpii", "joints_mpii", "unmirror_points"]

#: The network's vertices are in units of 0.2 m (HandMesh: ``std = 0.2``).
VERTS_TO_METRES = 0.2

#: Joint labels in MANO order (W wrist; I index, M middle, L little, R ring, T thumb; 0 = base, 3 = tip).
MANO_JOINTS = ("W", "I0", "I1", "I2", "M0", "M1", "M2", "L0", "L1", "L2", "R0", "R1", "R2", "T0", "T1", "T2",
               "I3", "M3", "L3", "R3", "T3")
#: Joint labels in FreiHAND/MPII order.
MPII_JOINTS = ("W", "T0", "T1", "T2", "T3", "I0", "I1", "I2", "I3", "M0", "M1", "M2", "M3", "R0", "R1", "R2", "R3",
               "L0", "L1", "L2", "L3")
#: ``mpii = mano[MANO_TO_MPII]``: for each MPII joint, its row in MANO order.
MANO_TO_MPII = np.array([MANO_JOINTS.index(name) for name in MPII_JOINTS], dtype=np.int64)
#: Bones (parent, child) in MPII order, for drawing.
MPII_BONES = tuple((0 if j % 4 == 1 else j - 1, j) for j in range(1, 21))


def verts_metres(verts: np.ndarray) -> np.ndarray:
    """Network vertices (units of 0.2 m) -> metres: ``[..., N, 3]`` float64."""
    return np.asarray(verts, dtype=np.float64) * VERTS_TO_METRES


def joints_mano(verts: np.ndarray, joint_regressor: np.ndarray) -> np.ndarray:
    """``j_reg @ verts``: [N, 3] vertices (any unit) and [21, N] regressor -> [21, 3] joints, MANO order, same unit."""
    reg = np.asarray(joint_regressor, dtype=np.float64)
    v = np.asarray(verts, dtype=np.float64)
    if reg.ndim != 2 or v.ndim != 2 or reg.shape[1] != v.shape[0] or v.shape[1] != 3:
        raise ValueError(f"joint regressor {list(reg.shape)} does not fit vertices {list(v.shape)}")
    return reg @ v


def mano_to_mpii(joints: np.ndarray) -> np.ndarray:
    """Reorder ``[21, ...]`` MANO-order joints to FreiHAND/MPII order."""
    return np.asarray(joints)[MANO_TO_MPII]


def joints_mpii(verts: np.ndarray, joint_regressor: np.ndarray) -> np.ndarray:
    """[N, 3] vertices -> [21, 3] joints in FreiHAND/MPII order (``mano_to_mpii(j_reg @ verts)``), same unit."""
    return mano_to_mpii(joints_mano(verts, joint_regressor))


def unmirror_points(points: np.ndarray) -> np.ndarray:
    """3D points of a mirrored crop back to the real camera: ``x -> -x`` ([..., 3] float64).

    The mirrored crop is the image of the world reflected in the camera's y-z plane (see
    :mod:`mobrecon.pipeline.crop`), so its root-relative vertices reflect back by negating x; the
    mesh's triangle winding flips with it (:func:`mobrecon.pipeline.demo.write_obj` reverses it).
    """
    p = np.array(points, dtype=np.float64)
    p[..., 0] = -p[..., 0]
    return p
