"""Metric definitions: FreiHAND's and the reference's, against SciPy and hand computations."""

from __future__ import annotations

import numpy as np
import pytest

from mobrecon.evaluation.generated import step_auc
from mobrecon.evaluation.metrics import align_w_scale, fscore, nearest_distances, orthogonal_procrustes, pck_auc, rigid_align


def _rot(rng):
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    return q if np.linalg.det(q) > 0 else -q


def test_orthogonal_procrustes_is_scipys():
    scipy_linalg = pytest.importorskip("scipy.linalg", reason="SciPy (test extra)")
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(21, 3)), rng.normal(size=(21, 3))
    r, s = orthogonal_procrustes(a, b)
    r_ref, s_ref = scipy_linalg.orthogonal_procrustes(a, b)
    np.testing.assert_allclose(r, r_ref, atol=1e-12)
    assert s == pytest.approx(s_ref, rel=1e-12)


def test_both_alignments_undo_a_similarity():
    rng = np.random.default_rng(1)
    gt = rng.normal(0, 0.05, (778, 3))
    pred = gt @ _rot(rng).T * 1.3 + [0.1, -0.2, 0.5]
    assert np.abs(align_w_scale(gt, pred) - gt).max() < 1e-8  # FreiHAND's +1e-8 in the norms
    assert np.abs(rigid_align(pred, gt) - gt).max() < 1e-12


def test_reflection_separates_freihand_from_the_reference():
    rng = np.random.default_rng(2)
    gt = rng.normal(0, 0.05, (21, 3))
    mirrored = gt * [-1, 1, 1]
    assert np.abs(align_w_scale(gt, mirrored) - gt).max() < 1e-8
    assert np.linalg.norm(rigid_align(mirrored, gt) - gt, axis=1).mean() > 1e-3


def test_rigid_align_is_the_least_squares_similarity_without_reflection():
    """Against a generic optimiser over rotation (quaternion), scale and translation."""
    optimize = pytest.importorskip("scipy.optimize", reason="SciPy (test extra)")
    from scipy.spatial.transform import Rotation

    rng = np.random.default_rng(3)
    gt = rng.normal(0, 0.05, (21, 3))
    pred = gt @ _rot(rng).T * 0.9 + rng.normal(0, 0.01, (21, 3))

    def cost(p):
        r = Rotation.from_rotvec(p[:3]).as_matrix()
        return float(np.sum((pred @ r.T * p[3] + p[4:] - gt) ** 2))

    best = min((optimize.minimize(cost, np.r_[rng.normal(size=3), 1.0, 0, 0, 0], method="BFGS", options={"gtol": 1e-12}) for _ in range(8)),
               key=lambda r: r.fun)
    assert np.sum((rigid_align(pred, gt) - gt) ** 2) <= best.fun * (1 + 1e-6)


def test_fscore_on_a_tiny_case_by_hand():
    # millimetres (the function is unit-free; integers keep the 10 mm tie exact)
    gt = np.array([[0.0, 0, 0], [10.0, 0, 0], [20.0, 0, 0], [100.0, 0, 0]])
    pred = np.array([[1.0, 0, 0], [12.5, 0, 0], [30.0, 0, 0]])
    # GT -> nearest pred: 1, 2.5, 7.5 (20 -> 12.5), 70 mm; pred -> nearest GT: 1, 2.5, 10 mm
    # at 5 mm: precision (GT matched) 2/4, recall (pred matched) 2/3 -> F = 2 * (1/2 * 2/3) / (1/2 + 2/3) = 4/7
    f, p, r = fscore(gt, pred, 5.0)
    assert (p, r) == (0.5, pytest.approx(2 / 3)) and f == pytest.approx(4 / 7)
    # at 10 mm the 10 mm distance is not counted (strict <): precision 3/4, recall 2/3 -> F = 12/17
    f, p, r = fscore(gt, pred, 10.0)
    assert (p, r) == (0.75, pytest.approx(2 / 3)) and f == pytest.approx(12 / 17)


def test_nearest_distances_match_a_kd_tree():
    spatial = pytest.importorskip("scipy.spatial", reason="SciPy (test extra)")
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(778, 3)), rng.normal(size=(778, 3))
    np.testing.assert_allclose(nearest_distances(a, b), spatial.cKDTree(b).query(a)[0], atol=1e-12)


def test_auc_of_a_step_by_hand():
    # 100 thresholds over 0-50 mm; constant error 3 mm -> PCK is 1 from threshold 6 (3.03 mm) on: (99 - 6 + 0.5) / 99
    assert step_auc(0.003, 0, 0.05, 100) == pytest.approx(93.5 / 99)
    assert pck_auc(np.full((5, 21), 0.003), 0.0, 0.05, 100)[0] == pytest.approx(93.5 / 99)
    assert pck_auc(np.zeros((2, 21)), 0.0, 0.05, 100)[0] == 1.0
    assert pck_auc(np.full((2, 21), 60.0), 20.0, 50.0, 20)[0] == 0.0
    # half the keypoints perfect, half off the scale -> 0.5
    e = np.concatenate([np.zeros((3, 10)), np.full((3, 11), 1.0)], axis=1)
    assert pck_auc(e, 0.0, 0.05, 100)[0] == pytest.approx(10 / 21)
