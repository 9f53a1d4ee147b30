"""Every metric of a FreiHAND-format set: FreiHAND's (the paper's Tables 5-6) and the reference's own.

Usage::

    from mobrecon.evaluation.report import evaluate_files
    report = evaluate_files("gt_dir", "pred.json")
    print(report.format())                  # one line per metric with its definition
    report.to_dict()                        # {"samples": S, "metrics": {...}, "definitions": {...}}
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from mobrecon.evaluation.errors import EvaluationError
from mobrecon.evaluation.freihand import GroundTruth, read_ground_truth, read_predictions
from mobrecon.evaluation.metrics import align_w_scale, fscore, pck_auc, point_errors, rigid_align

__all__ = ["METRICS", "EvalReport", "evaluate", "evaluate_files", "F_THRESHOLDS_M"]

#: F-score thresholds (metres), FreiHAND's ``f_threshs``.
F_THRESHOLDS_M = (0.005, 0.015)

#: Metric name -> (unit, definition). The order is the printing order.
METRICS: dict[str, tuple[str, str]] = {
    "pa_mpjpe_mm": ("mm", "FreiHAND xyz_al_mean3d: joint error after align_w_scale (per-sample similarity Procrustes, reflections allowed)"),
    "pa_mpvpe_mm": ("mm", "FreiHAND mesh_al_mean3d: vertex error after align_w_scale on the vertices"),
    "f5_al": ("1", "FreiHAND F@5mm on vertices after align_w_scale (the paper's F@5)"),
    "f15_al": ("1", "FreiHAND F@15mm on vertices after align_w_scale (the paper's F@15)"),
    "auc_xyz_al_0_50": ("1", "FreiHAND 3D PCK AUC of aligned joints, 0-50 mm, 100 thresholds"),
    "auc_mesh_al_0_50": ("1", "FreiHAND 3D PCK AUC of aligned vertices, 0-50 mm, 100 thresholds"),
    "mpjpe_mm": ("mm", "FreiHAND xyz_mean3d: unaligned joint error in camera space"),
    "mpvpe_mm": ("mm", "FreiHAND mesh_mean3d: unaligned vertex error in camera space"),
    "f5": ("1", "FreiHAND F@5mm on unaligned vertices"),
    "f15": ("1", "FreiHAND F@15mm on unaligned vertices"),
    "auc_xyz_0_50": ("1", "FreiHAND 3D PCK AUC of unaligned joints, 0-50 mm, 100 thresholds"),
    "auc_mesh_0_50": ("1", "FreiHAND 3D PCK AUC of unaligned vertices, 0-50 mm, 100 thresholds"),
    "pa_mpjpe_rigid_align_mm": ("mm", "reference PA-MPJPE: joint error after HandMesh rigid_align (similarity, no reflection)"),
    "pa_mpvpe_rigid_align_mm": ("mm", "vertex error after HandMesh rigid_align on the vertices"),
    "rr_mpjpe_mm": ("mm", "reference MPJPE: root-relative joint error (joint 0 subtracted from both)"),
    "auc_rr_20_50": ("1", "reference 3D PCK AUC of root-relative joints, 20-50 mm, 20 thresholds"),
    "auc_pa_20_50": ("1", "reference 3D PCK AUC of rigid_align-ed joints, 20-50 mm, 20 thresholds"),
    "proj2d_mean_px": ("px", "2D error of the predicted joints projected with K against the projected GT joints, frame px"),
    "auc_proj2d_0_30": ("1", "PCK AUC of that 2D error, 0-30 px, 20 thresholds (the reference's 2D AUC range)"),
    "uv_crop_mean_px": ("px", "reference 2D error: network uv against GT joints projected into the 128-px crop, crop px"),
    "auc_uv_crop_0_30": ("1", "reference 2D AUC of that error, 0-30 px, 20 thresholds"),
}


@dataclass(frozen=True)
class EvalReport:
    """Metrics of one prediction set.

    Attributes:
        samples: number of samples.
        metrics: name -> value (only the metrics the inputs allow: no K, no 2D; no GT verts, no mesh metrics).
        label: what was evaluated.
        notes: what was left out and why.
    """

    samples: int
    metrics: dict[str, float]
    label: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return {"label": self.label, "samples": self.samples, "metrics": dict(self.metrics),
                "units": {k: METRICS[k][0] for k in self.metrics}, "definitions": {k: METRICS[k][1] for k in self.metrics},
                "notes": list(self.notes)}

    def format(self) -> str:
        head = [f"{self.label + ': ' if self.label else ''}{self.samples} samples"]
        rows = [f"{name:<24} {value:>10.4f} {METRICS[name][0]:<3} {METRICS[name][1]}" for name, value in self.metrics.items()]
        return "\n".join(head + rows + [f"note: {n}" for n in self.notes])


def _project(points: np.ndarray, k: np.ndarray) -> np.ndarray:
    p = np.einsum("sij,snj->sni", k, points)
    return p[..., :2] / p[..., 2:3]


def evaluate(gt: GroundTruth, xyz_pred: np.ndarray, verts_pred: np.ndarray, *, uv_crop_pred: np.ndarray | None = None,
             uv_crop_gt: np.ndarray | None = None, label: str = "") -> EvalReport:
    """All metrics of predictions against a ground truth.

    Args:
        gt: the ground truth.
        xyz_pred: [S, 21, 3] metres, camera space, MPII order.
        verts_pred: [S, V, 3] metres, camera space.
        uv_crop_pred, uv_crop_gt: optional [S, 21, 2] network uv and GT joints in crop px (the
            reference's 2D error; known only when the network ran on the crops).
        label: what is evaluated.

    Raises:
        EvaluationError: counts or shapes that do not match the ground truth.
    """
    s = len(gt)
    if xyz_pred.shape != gt.xyz.shape:
        raise EvaluationError(f"predictions hold {list(xyz_pred.shape)} joints but the ground truth {list(gt.xyz.shape)}")
    if verts_pred.shape[0] != s:
        raise EvaluationError(f"predictions hold {verts_pred.shape[0]} meshes for {s} ground-truth samples")
    notes: list[str] = []
    m: dict[str, float] = {}
    mm = 1000.0
    xyz_gt = gt.xyz
    xyz_al = np.stack([align_w_scale(xyz_gt[i], xyz_pred[i]) for i in range(s)])
    xyz_ra = np.stack([rigid_align(xyz_pred[i], xyz_gt[i]) for i in range(s)])
    e_xyz, e_xyz_al, e_xyz_ra = point_errors(xyz_gt, xyz_pred), point_errors(xyz_gt, xyz_al), point_errors(xyz_gt, xyz_ra)
    rr_pred, rr_gt = xyz_pred - xyz_pred[:, :1], xyz_gt - xyz_gt[:, :1]
    e_rr = point_errors(rr_gt, rr_pred)
    mesh = gt.verts is not None and verts_pred.shape[1:] == gt.verts.shape[1:]
    if gt.verts is None:
        notes.append("no ground-truth verts: mesh metrics and F-scores left out")
    elif not mesh:
        notes.append(f"predicted meshes have {verts_pred.shape[1]} vertices, the ground truth {gt.verts.shape[1]}: mesh metrics and F-scores left out")
    if mesh:
        v_gt = gt.verts
        v_al = np.stack([align_w_scale(v_gt[i], verts_pred[i]) for i in range(s)])
        v_ra = np.stack([rigid_align(verts_pred[i], v_gt[i]) for i in range(s)])
        e_v, e_v_al, e_v_ra = point_errors(v_gt, verts_pred), point_errors(v_gt, v_al), point_errors(v_gt, v_ra)
        f = np.array([[fscore(v_gt[i], verts_pred[i], th)[0] for th in F_THRESHOLDS_M] for i in range(s)])
        f_al = np.array([[fscore(v_gt[i], v_al[i], th)[0] for th in F_THRESHOLDS_M] for i in range(s)])
    m["pa_mpjpe_mm"] = float(e_xyz_al.mean() * mm)
    m["auc_xyz_al_0_50"] = pck_auc(e_xyz_al, 0.0, 0.05, 100)[0]
    m["mpjpe_mm"] = float(e_xyz.mean() * mm)
    m["auc_xyz_0_50"] = pck_auc(e_xyz, 0.0, 0.05, 100)[0]
    m["pa_mpjpe_rigid_align_mm"] = float(e_xyz_ra.mean() * mm)
    if mesh:
        m["pa_mpvpe_mm"], m["mpvpe_mm"], m["pa_mpvpe_rigid_align_mm"] = (float(e.mean() * mm) for e in (e_v_al, e_v, e_v_ra))
        m["f5_al"], m["f15_al"] = (float(v) for v in f_al.mean(axis=0))
        m["f5"], m["f15"] = (float(v) for v in f.mean(axis=0))
        m["auc_mesh_al_0_50"] = pck_auc(e_v_al, 0.0, 0.05, 100)[0]
        m["auc_mesh_0_50"] = pck_auc(e_v, 0.0, 0.05, 100)[0]
    m["rr_mpjpe_mm"] = float(e_rr.mean() * mm)
    m["auc_rr_20_50"] = pck_auc(e_rr * mm, 20.0, 50.0, 20)[0]
    m["auc_pa_20_50"] = pck_auc(e_xyz_ra * mm, 20.0, 50.0, 20)[0]
    if gt.k is not None:
        e2 = point_errors(_project(xyz_gt, gt.k), _project(xyz_pred, gt.k))
        m["proj2d_mean_px"] = float(e2.mean())
        m["auc_proj2d_0_30"] = pck_auc(e2, 0.0, 30.0, 20)[0]
    else:
        notes.append("no ground-truth K: 2D metrics left out")
    if uv_crop_pred is not None and uv_crop_gt is not None:
        e_uv = point_errors(uv_crop_gt, uv_crop_pred)
        m["uv_crop_mean_px"] = float(e_uv.mean())
        m["auc_uv_crop_0_30"] = pck_auc(e_uv, 0.0, 30.0, 20)[0]
    return EvalReport(samples=s, metrics={k: m[k] for k in METRICS if k in m}, label=label, notes=tuple(notes))


def evaluate_files(gt: str | os.PathLike, pred: str | os.PathLike, set_name: str | None = None) -> EvalReport:
    """:func:`evaluate` on a FreiHAND-format folder and a ``[xyz_list, verts_list]`` file.

    Raises:
        EvaluationError: one sentence naming the file and what is wrong.
    """
    truth = read_ground_truth(gt, set_name)
    xyz, verts = read_predictions(pred)
    if xyz.shape[0] != len(truth):
        raise EvaluationError(f"{pred} holds {xyz.shape[0]} samples but {truth.folder} has {len(truth)}")
    return evaluate(truth, xyz, verts, label=str(pred))
