"""The reference's registration formulation on SciPy SLSQP (tests only), and generated hand-like cases."""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from mobrecon.evaluation.generated import hand_like_joints
from mobrecon.pipeline.registration import Z_BOUNDS, project


def slsqp_round(xyz, uv, k, t0, bounds=Z_BOUNDS, ftol=1e-6):
    """One round as HandMesh solves it: SLSQP on mean((project(xyz + t) - uv)^2), z bounded (ftol: SciPy's default 1e-6)."""
    def loss(t):
        return float(((project(xyz + t, k) - uv) ** 2).mean())

    return minimize(loss, t0, method="SLSQP", bounds=((None, None), (None, None), bounds), options={"ftol": ftol, "maxiter": 500}).x


def slsqp_register(xyz, uv, k, bounds=Z_BOUNDS, ftol=1e-6):
    """HandMesh mobrecon/tools/registration.py's loop (uv_conf all 1, no silhouette), re-written for the test."""
    t = np.array([0, 0, 0.6])
    select = np.ones(len(xyz), bool)
    loss = np.array([5.0])
    attempt = 5
    while loss.mean() > 2 and attempt:
        attempt -= 1
        uv, xyz = uv[select], xyz[select]
        t = slsqp_round(xyz, uv, k, t, bounds, ftol)
        loss = np.abs((project(xyz + t, k) - uv).sum(axis=1))
        select = loss < loss.mean() + loss.std()
        if select.sum() < 13:
            break
    return t


def hand_case(rng: np.random.Generator, noise_px: float | None = None, outliers: int | None = None):
    """Hand-like root-relative joints (metres), crop K, true t, and noisy projections (px)."""
    xyz = hand_like_joints(rng)
    f = rng.uniform(300, 600)
    k = np.array([[f, 0, rng.uniform(40, 90)], [0, f, rng.uniform(40, 90)], [0, 0, 1]])
    t = np.array([rng.uniform(-0.1, 0.1), rng.uniform(-0.1, 0.1), rng.uniform(0.3, 1.2)])
    sigma = rng.uniform(0.5, 4) if noise_px is None else noise_px
    uv = project(xyz + t, k) + (rng.normal(0, sigma, (21, 2)) if sigma else 0)
    n_out = rng.integers(0, 4) if outliers is None else outliers
    idx = rng.choice(21, n_out, replace=False)
    uv[idx] += rng.normal(0, 15, (n_out, 2))
    return xyz, uv, k, t
