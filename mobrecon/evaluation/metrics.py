"""Alignment, error, F-score and AUC definitions of FreiHAND's evaluation and of the reference.

Sources (read, re-written here in numpy):

- FreiHAND ``eval.py`` (lmb-freiburg/freihand): :func:`align_w_scale` (centre both, scale both to
  unit Frobenius norm (+1e-8), ``scipy.linalg.orthogonal_procrustes``, which allows a
  **reflection**; the prediction is mapped onto the ground truth), :func:`fscore` (nearest-neighbour
  distances both ways with open3d; "recall" = share of predicted points closer than the threshold to
  some GT point, "precision" = the other way; strict ``<``), and ``EvalUtil.get_measures`` (PCK with
  ``<=``, trapezoid AUC over ``linspace(lo, hi, steps)`` divided by the range, per keypoint, then
  averaged): 3D AUC over 0-50 mm with 100 thresholds.
- HandMesh ``utils/transforms.py`` :func:`rigid_align` (Umeyama: SVD of the centred
  cross-covariance, the last singular value and the last row of V negated when the rotation would
  be a reflection, scale = sum of singular values / total variance of the prediction) and
  ``utils/zimeval.py`` (the same ``EvalUtil``): 3D AUC over 20-50 mm with 20 thresholds, 2D AUC over
  0-30 px with 20 thresholds.

Where they differ: ``align_w_scale`` may reflect, ``rigid_align`` may not, so on a prediction that
is closer to a mirror image of the ground truth the FreiHAND PA error is the smaller one; otherwise
both give the same optimal similarity (up to FreiHAND's 1e-8 in the norms). FreiHAND's unaligned
errors are in absolute camera space; the reference's MPJPE is root-relative (joint 0 subtracted
from both). The AUC ranges differ as listed. Not reproduced: FreiHAND's path for predicted meshes
with another vertex count (``align_by_trafo``, which also leaves out the prediction's norm); every
mesh here has the 778 vertices of the ground truth.
"""

from __future__ import annotations

import numpy as np

__all__ = ["orthogonal_procrustes", "align_w_scale", "rigid_align",
           "point_errors", "nearest_distances", "fscore", "pck_auc"]


def orthogonal_procrustes(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, float]:
    """``scipy.linalg.orthogonal_procrustes``: R (orthogonal, det +-1) minimising ``||a R - b||_F``, and the sum of singular values."""
    u, w, vt = np.linalg.svd((b.T @ a).T)
    return u @ vt, float(w.sum())


def align_w_scale(gt: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """FreiHAND: ``pred`` [N, 3] mapped onto ``gt`` [N, 3] by the best similarity (reflections allowed)."""
    t1, t2 = gt.mean(0), pred.mean(0)
    g, p = gt - t1, pred - t2
    s1 = np.linalg.norm(g) + 1e-8
    s2 = np.linalg.norm(p) + 1e-8
    r, s = orthogonal_procrustes(g / s1, p / s2)
    return (p / s2) @ r.T * s * s1 + t1


def rigid_align(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """HandMesh ``rigid_align(A=pred, B=gt)``: ``pred`` [N, 3] mapped onto ``gt`` by Umeyama's similarity, no reflection."""
    n = pred.shape[0]
    ca, cb = pred.mean(0), gt.mean(0)
    h = (pred - ca).T @ (gt - cb) / n
    u, s, vt = np.linalg.svd(h)
    r = vt.T @ u.T
    if np.linalg.det(r) < 0:
        s = s.copy()
        vt = vt.copy()
        s[-1] = -s[-1]
        vt[2] = -vt[2]
        r = vt.T @ u.T
    c = s.sum() / np.var(pred, axis=0).sum()
    t = cb - c * r @ ca
    return (c * r @ pred.T).T + t


def point_errors(gt: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Euclidean distance per point: [..., N, 3] -> [..., N]."""
    return np.sqrt(np.sum((np.asarray(gt, np.float64) - np.asarray(pred, np.float64)) ** 2, axis=-1))


def nearest_distances(src: np.ndarray, dst: np.ndarray, chunk: int = 1024) -> np.ndarray:
    """For each point of ``src`` [N, 3], the distance to its nearest point of ``dst`` [M, 3]: [N] (brute force, exact)."""
    out = np.empty(src.shape[0])
    dst_sq = np.sum(dst * dst, axis=1)
    for i in range(0, src.shape[0], chunk):
        s = src[i:i + chunk]
        d2 = np.sum(s * s, axis=1)[:, None] - 2.0 * s @ dst.T + dst_sq[None, :]
        j = np.argmin(d2, axis=1)
        out[i:i + chunk] = np.sqrt(np.sum((s - dst[j]) ** 2, axis=1))
    return out


def fscore(gt: np.ndarray, pred: np.ndarray, threshold: float) -> tuple[float, float, float]:
    """FreiHAND ``calculate_fscore``: (F, precision, recall) at ``threshold`` (same unit as the points).

    precision = share of GT points whose nearest predicted point is closer than ``threshold``;
    recall = share of predicted points whose nearest GT point is (FreiHAND's naming); F = 2PR / (P + R).
    """
    d_gt = nearest_distances(gt, pred)
    d_pred = nearest_distances(pred, gt)
    if not (len(d_gt) and len(d_pred)):
        return 0.0, 0.0, 0.0
    recall = float(np.mean(d_pred < threshold))
    precision = float(np.mean(d_gt < threshold))
    f = 2 * recall * precision / (recall + precision) if recall + precision > 0 else 0.0
    return f, precision, recall


def pck_auc(errors: np.ndarray, lo: float, hi: float, steps: int) -> tuple[float, np.ndarray, np.ndarray]:
    """``EvalUtil.get_measures``' AUC: errors [S, K] (sample, keypoint) -> (AUC in [0, 1], thresholds, mean PCK curve).

    PCK per keypoint at each threshold (``error <= t``), trapezoid area over ``linspace(lo, hi, steps)``
    divided by ``hi - lo``, averaged over keypoints.
    """
    e = np.asarray(errors, dtype=np.float64)
    thresholds = np.linspace(lo, hi, steps)
    pck = (e[:, :, None] <= thresholds[None, None, :]).mean(axis=0)  # [K, steps]
    norm = np.trapezoid(np.ones_like(thresholds), thresholds)
    aucs = np.trapezoid(pck, thresholds, axis=1) / norm
    return float(aucs.mean()), thresholds, pck.mean(axis=0)
