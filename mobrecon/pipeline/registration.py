"""Camera-space registration: the translation that puts the root-relative hand where its 2D joints are.

Usage::

    from mobrecon.pipeline.registration import register

    reg = register(xyz, uv_px, k_crop)        # xyz [21, 3] m (MPII order), uv [21, 2] crop px, K [3, 3]
    verts_cam = verts_m + reg.t                # metres, camera space

The reference ("adaptive 2D-1D registration", HandMesh ``mobrecon/tools/registration.py``; the
cmr demo's copy is ``utils/vis.py``) minimises with SciPy SLSQP, from ``t = (0, 0, 0.6)``, the
mean squared pinhole reprojection error of the regressed joints against the predicted 2D joints,
with ``t_z`` bounded to ``[0.05, 2]`` m (``[0.3, 2]`` in the cmr copy). It runs rounds while the
mean per-joint loss is above 2 px, at most 5: each round fits the joints kept so far, scores every
kept joint by ``|(u' - u) + (v' - v)|`` (the absolute value of the *summed* x and y residuals, as the
reference computes it, not the Euclidean error), keeps those below mean + std (population std),
and stops early when fewer than 13 would remain (that round's ``t`` is kept, its selection is not
applied). The optional silhouette term is unused by MobRecon (no mask head) and is not implemented.

Here each round is solved without SciPy: multiplying the residual by the depth makes it linear in
``t`` (``fx (X + tx) + s (Y + ty) + (cx - u)(Z + tz) = 0`` and ``fy (Y + ty) + (cy - v)(Z + tz) = 0``),
so a 3-unknown linear least-squares gives ``t`` in closed form, exact for noise-free projections.
With noise the algebraic and the reprojection minimisers differ slightly, so a few Gauss-Newton
steps on the reprojection residual follow (projected onto the z bounds, with the bound kept
active while the gradient pushes outward; with ``t_z`` fixed the residual is linear in
``tx, ty``). Measured (``tests/mobrecon/pipeline/measure_pipeline.py``, 50 noisy cases with
outliers): within 1.1 micrometres of SLSQP run to ``ftol=1e-14`` (max; median 0.24 um). SciPy's
default ``ftol=1e-6``, as the reference calls it, stops SLSQP short of the optimum (median 0.026 mm,
max 12.5 mm away); each of our rounds is never worse in the objective
(``tests/mobrecon/pipeline/test_registration.py``). Noise-free projections are recovered to 5e-15 m.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Z_BOUNDS", "Z_BOUNDS_CMR", "T_START", "MAX_ROUNDS", "MIN_JOINTS", "STOP_LOSS_PX", "Registration",
           "project", "joint_loss", "solve_translation", "register"]

#: Bounds on t_z in metres (HandMesh ``mobrecon/tools/registration.py``).
Z_BOUNDS = (0.05, 2.0)
#: The cmr demo's bounds (HandMesh ``utils/vis.py``).
Z_BOUNDS_CMR = (0.3, 2.0)
#: The reference's SLSQP start (metres); the closed form needs no start.
T_START = (0.0, 0.0, 0.6)
#: At most this many rounds.
MAX_ROUNDS = 5
#: A round whose selection would keep fewer joints than this ends the registration.
MIN_JOINTS = 13
#: Rounds continue while the mean per-joint loss (px) is above this.
STOP_LOSS_PX = 2.0
_GN_ITERATIONS = 50
_GN_STEP_TOL_M = 1e-12


@dataclass(frozen=True, eq=False)
class Registration:
    """Result of :func:`register`.

    Attributes:
        t: [3] float64 translation in metres (camera space = root-relative + t).
        rounds: rounds run (1..5).
        used: [J] bool, the joints the final round was fitted to.
        loss_px: mean of the reference's per-joint loss ``|du + dv|`` over ``used`` (px).
        rms_px: root-mean-square reprojection error over the coordinates of ``used`` (px): the
            square root of the objective.
        z_at_bound: the final ``t_z`` sits on a bound.
    """

    t: np.ndarray
    rounds: int
    used: np.ndarray
    loss_px: float
    rms_px: float
    z_at_bound: bool

    def to_dict(self) -> dict:
        return {"t_m": self.t.tolist(), "rounds": self.rounds, "joints_used": [int(i) for i in np.flatnonzero(self.used)],
                "loss_px": self.loss_px, "rms_px": self.rms_px, "z_at_bound": self.z_at_bound}


def project(points: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Pinhole projection (FreiHAND ``projectPoints``): [N, 3] camera points -> [N, 2] pixels ``(K p)_xy / p_z``."""
    p = np.asarray(points, dtype=np.float64) @ np.asarray(k, dtype=np.float64).T
    return p[:, :2] / p[:, 2:3]


def joint_loss(xyz: np.ndarray, uv: np.ndarray, k: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The reference's per-joint loss ``|(u' - u) + (v' - v)|`` in px: [N] float64."""
    return np.abs((project(xyz + t, k) - uv).sum(axis=1))


def _residual_and_jacobian(xyz: np.ndarray, uv: np.ndarray, k: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Reprojection residual [2N] (u block, then v block) and its Jacobian [2N, 3] in t; None if a point has depth <= 0."""
    n = xyz.shape[0]
    z = xyz[:, 2] + t[2]
    if np.any(z <= 0):
        return None
    inv = 1.0 / z
    y = xyz[:, 1] + t[1]
    num_u = k[0, 0] * (xyz[:, 0] + t[0]) + k[0, 1] * y
    num_v = k[1, 1] * y
    r = np.empty(2 * n)
    r[:n] = num_u * inv + (k[0, 2] - uv[:, 0])
    r[n:] = num_v * inv + (k[1, 2] - uv[:, 1])
    jac = np.zeros((2 * n, 3))
    jac[:n, 0] = k[0, 0] * inv
    jac[:n, 1] = k[0, 1] * inv
    jac[:n, 2] = -num_u * inv * inv
    jac[n:, 1] = k[1, 1] * inv
    jac[n:, 2] = -num_v * inv * inv
    return r, jac


def _algebraic(xyz: np.ndarray, uv: np.ndarray, k: np.ndarray, z_bounds: tuple[float, float]) -> np.ndarray:
    """Closed-form t of the depth-multiplied residual; with t_z clamped to the bounds if it leaves them."""
    fx, s, cx, fy, cy = k[0, 0], k[0, 1], k[0, 2], k[1, 1], k[1, 2]
    x, y, z = xyz[:, 0], xyz[:, 1], xyz[:, 2]
    du, dv = cx - uv[:, 0], cy - uv[:, 1]
    ones, zeros = np.ones_like(x), np.zeros_like(x)
    a = np.concatenate([np.stack([fx * ones, s * ones, du], axis=1), np.stack([zeros, fy * ones, dv], axis=1)])
    b = -np.concatenate([fx * x + s * y + du * z, fy * y + dv * z])
    t = np.linalg.lstsq(a, b, rcond=None)[0]
    if not (z_bounds[0] <= t[2] <= z_bounds[1]):
        t[2] = min(max(t[2], z_bounds[0]), z_bounds[1])
        t[:2] = np.linalg.lstsq(a[:, :2], b - a[:, 2] * t[2], rcond=None)[0]
    return t


def solve_translation(xyz: np.ndarray, uv: np.ndarray, k: np.ndarray, z_bounds: tuple[float, float] = Z_BOUNDS) -> np.ndarray:
    """One round: the t minimising the squared reprojection error, ``t_z`` within ``z_bounds``.

    Args:
        xyz: [N, 3] root-relative joints, metres.
        uv: [N, 2] target 2D joints, px (same order as ``xyz``).
        k: [3, 3] pinhole intrinsics in the same px.
        z_bounds: ``(low, high)`` metres for ``t_z``.

    Returns:
        [3] float64 t, metres.
    """
    xyz = np.asarray(xyz, dtype=np.float64)
    uv = np.asarray(uv, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    lo, hi = z_bounds
    t = _algebraic(xyz, uv, k, z_bounds)
    current = _residual_and_jacobian(xyz, uv, k, t)
    if current is None:  # a joint behind the camera at the algebraic solution: start from the reference's start
        t = np.asarray(T_START, dtype=np.float64).copy()
        t[2] = min(max(t[2], lo), hi)
        current = _residual_and_jacobian(xyz, uv, k, t)
        if current is None:
            return t
    r, jac = current
    cost = float(r @ r)
    for _ in range(_GN_ITERATIONS):
        grad_z = float(jac[:, 2] @ r)
        z_fixed = (t[2] <= lo and grad_z > 0) or (t[2] >= hi and grad_z < 0)
        j = jac[:, :2] if z_fixed else jac
        step = np.linalg.solve(j.T @ j, -(j.T @ r))
        if float(np.abs(step).max()) < _GN_STEP_TOL_M:
            break
        alpha, accepted = 1.0, None
        while alpha > 1e-8:
            cand = t.copy()
            cand[: step.size] += alpha * step
            cand[2] = min(max(cand[2], lo), hi)
            got = _residual_and_jacobian(xyz, uv, k, cand)
            if got is not None and float(got[0] @ got[0]) <= cost * (1.0 + 1e-12):
                accepted = cand
                break
            alpha *= 0.5
        if accepted is None:
            break
        moved = float(np.abs(accepted - t).max())
        t, (r, jac) = accepted, got
        cost = float(r @ r)
        if moved < _GN_STEP_TOL_M:
            break
    return t


def register(xyz: np.ndarray, uv: np.ndarray, k: np.ndarray, *, z_bounds: tuple[float, float] = Z_BOUNDS,
             max_rounds: int = MAX_ROUNDS, min_joints: int = MIN_JOINTS, stop_loss_px: float = STOP_LOSS_PX) -> Registration:
    """The reference's registration rounds, each solved by :func:`solve_translation`.

    Args:
        xyz: [J, 3] root-relative joints regressed from the mesh, metres, in the order of ``uv``
            (FreiHAND/MPII: ``mano_to_mpii(j_reg @ verts)``).
        uv: [J, 2] predicted 2D joints in crop px (the network's uv x 128, un-mirrored).
        k: [3, 3] crop intrinsics (:func:`mobrecon.pipeline.crop.crop_intrinsics`).
        z_bounds: bounds on ``t_z`` in metres.
        max_rounds, min_joints, stop_loss_px: the reference's 5, 13 and 2 px.

    Returns:
        :class:`Registration`.

    Raises:
        ValueError: on arrays of the wrong shape or non-finite values.
    """
    xyz = np.asarray(xyz, dtype=np.float64)
    uv = np.asarray(uv, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    if xyz.ndim != 2 or xyz.shape[1] != 3 or uv.shape != (xyz.shape[0], 2) or k.shape != (3, 3):
        raise ValueError(f"registration needs xyz [J, 3], uv [J, 2], K [3, 3]; got {list(xyz.shape)}, {list(uv.shape)}, {list(k.shape)}")
    if not (np.isfinite(xyz).all() and np.isfinite(uv).all() and np.isfinite(k).all()):
        raise ValueError("registration inputs must be finite")
    idx = np.arange(xyz.shape[0])
    select = np.ones(xyz.shape[0], dtype=bool)
    t = np.asarray(T_START, dtype=np.float64)
    loss = np.array([np.inf])
    rounds = 0
    while loss.mean() > stop_loss_px and rounds < max_rounds:
        idx = idx[select]
        t = solve_translation(xyz[idx], uv[idx], k, z_bounds)
        rounds += 1
        loss = joint_loss(xyz[idx], uv[idx], k, t)
        select = loss < loss.mean() + loss.std()
        if select.sum() < min_joints:
            break
    used = np.zeros(xyz.shape[0], dtype=bool)
    used[idx] = True
    r = project(xyz[idx] + t, k) - uv[idx]
    return Registration(t=t, rounds=rounds, used=used, loss_px=float(loss.mean()), rms_px=float(np.sqrt(np.mean(r * r))),
                        z_at_bound=bool(t[2] <= z_bounds[0] or t[2] >= z_bounds[1]))
