"""Registration: exact recovery, agreement with the reference's SLSQP formulation, rounds, bounds."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("scipy", reason="SciPy SLSQP (test extra) is the reference formulation")

from mobrecon.pipeline.registration import Z_BOUNDS, project, register, solve_translation  # noqa: E402
from tests.mobrecon.pipeline.registration_reference import hand_case, slsqp_register, slsqp_round  # noqa: E402


def test_exact_recovery_from_noise_free_projections():
    rng = np.random.default_rng(10)
    worst = 0.0
    for _ in range(50):
        xyz, _, k, t = hand_case(rng, noise_px=0.0, outliers=0)
        reg = register(xyz, project(xyz + t, k), k)
        worst = max(worst, float(np.abs(reg.t - t).max()))
        assert reg.rounds == 1 and reg.used.all()
    assert worst < 1e-6, worst  # < 1 micrometre


def test_agrees_with_slsqp_on_50_cases():
    """Within 0.1 mm of the reference formulation solved to convergence (SLSQP ftol 1e-14)."""
    rng = np.random.default_rng(0)
    diffs = []
    for _ in range(50):
        xyz, uv, k, _ = hand_case(rng)
        diffs.append(np.linalg.norm(register(xyz, uv, k).t - slsqp_register(xyz, uv, k, ftol=1e-14)))
    diffs = np.array(diffs)
    assert diffs.max() < 1e-4, (diffs.max(), np.median(diffs))


def test_each_round_is_at_least_as_good_as_slsqp_with_its_default_tolerance():
    """With SciPy's default ftol (as the reference calls it) SLSQP stops early; our optimum is never worse."""
    rng = np.random.default_rng(5)
    for _ in range(50):
        xyz, uv, k, _ = hand_case(rng)
        ours = solve_translation(xyz, uv, k)
        ref = slsqp_round(xyz, uv, k, np.array([0, 0, 0.6]))
        cost = lambda t: float(((project(xyz + t, k) - uv) ** 2).mean())  # noqa: E731
        assert cost(ours) <= cost(ref) * (1 + 1e-9) + 1e-12


@pytest.mark.parametrize("t_z, bound", [(3.0, Z_BOUNDS[1]), (0.02, Z_BOUNDS[0])])
def test_z_bounds_hold_and_match_slsqp(t_z, bound):
    rng = np.random.default_rng(int(t_z * 100))
    xyz, _, k, t = hand_case(rng, noise_px=0.0, outliers=0)
    xyz[:, 2] *= 0.1  # flat: every joint in front of the camera at the lower bound
    t[2] = t_z
    uv = project(xyz + t, k)
    reg = register(xyz, uv, k)
    assert reg.z_at_bound and reg.t[2] == pytest.approx(bound)
    assert np.linalg.norm(reg.t - slsqp_register(xyz, uv, k, ftol=1e-14)) < 1e-4


def test_outliers_are_dropped_by_rounds_and_stop_below_13_joints():
    rng = np.random.default_rng(3)
    xyz, _, k, t = hand_case(rng, noise_px=0.0, outliers=0)
    uv = project(xyz + t, k) + rng.normal(0, 0.3, (21, 2))
    uv[[4, 8]] += 40.0  # two fingertips far off
    reg = register(xyz, uv, k)
    assert reg.rounds >= 2 and not reg.used[4] and not reg.used[8]
    assert np.linalg.norm(reg.t - t) < 5e-3
    # a round that would keep fewer than 13 joints ends the loop with that round's t
    min_all = register(xyz, uv, k, min_joints=22)
    assert min_all.rounds == 1 and min_all.used.all()


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError):
        register(np.zeros((21, 3)), np.zeros((20, 2)), np.eye(3))
