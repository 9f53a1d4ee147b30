"""A generated FreiHAND-format set with predictions whose metrics are known by construction.

Usage::

    from mobrecon.evaluation.generated import known_answer_check

    for row in known_answer_check():          # what ``mobrecon eval`` prints without arguments
        row.case, row.metric, row.measured, row.known

The ground truth is hand-like but not a hand: 21 joints (a wrist and five 4-joint fingers, random
bends) and 778 "vertices" scattered around the bones, at 0.3-0.8 m in front of a 224-px camera.
Each case changes the prediction in a way that fixes some metrics exactly:

- ``identical``: every error 0 mm (and px), every F-score and AUC 1, except FreiHAND's aligned
  ones: its ``+ 1e-8`` in the normalising norms leaves an aligned error of ~1e-9 m, above its first
  AUC threshold (0 mm), so a perfect prediction scores ``(99 - 1 + 0.5) / 99 = 0.99495`` there, not 1
  (a property of FreiHAND's definition, reproduced), and its PA errors are ~4e-6 mm, not 0;
- ``similarity``: each sample rotated, scaled (0.8-1.25) and moved: errors after either alignment 0,
  aligned F-scores 1;
- ``mirror``: each sample reflected through a plane through its centroid: FreiHAND's
  ``align_w_scale`` (reflections allowed) gives 0, the reference's ``rigid_align`` does not;
- ``noise 3 mm``: every joint and vertex moved by exactly 3 mm in a random direction: unaligned
  MPJPE and MPVPE 3 mm, unaligned F@5 and F@15 1 (every nearest neighbour is within 3 mm), the
  unaligned 0-50 mm AUCs ``(99 - j + 0.5) / 99`` with ``j`` the first of the 100 thresholds >= 3 mm.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mobrecon.evaluation.freihand import GroundTruth
from mobrecon.evaluation.report import evaluate

__all__ = ["hand_like_joints", "generated_ground_truth", "KnownCase", "known_cases", "KnownAnswer", "known_answer_check", "format_known_answers", "step_auc"]


def _rotation(rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    return q if np.linalg.det(q) > 0 else -q


def hand_like_joints(rng: np.random.Generator, *, fan: float = 0.3, bone_m: float = 0.025, jitter_m: float = 0.004,
                     base_jitter_m: float = 0.01, rotate: bool = True) -> np.ndarray:
    """21 hand-like joints (MPII order: wrist at the origin, five 4-joint fingers fanning out), metres: [21, 3].

    Fingers leave the wrist at angles ``pi/2 + (f - 2) * fan`` (upwards in image axes, y down),
    ``bone_m`` per segment plus Gaussian ``jitter_m``; finger bases are offset by ``base_jitter_m``.
    ``rotate`` applies a random rotation. Not a hand model: test data with a hand's extent.
    """
    joints = [np.zeros(3)]
    for finger in range(5):
        a = np.pi / 2 + (finger - 2) * fan
        direction = np.array([np.cos(a), -np.sin(a), 0.0]) * bone_m
        p = rng.normal(0, base_jitter_m, 3)
        for _ in range(4):
            p = p + direction + rng.normal(0, jitter_m, 3)
            joints.append(p.copy())
    j = np.array(joints)
    return j @ _rotation(rng).T if rotate else j


def generated_ground_truth(samples: int = 6, seed: int = 0, folder: Path | None = None) -> GroundTruth:
    """Hand-like ground truth: [S, 21, 3] joints, [S, 778, 3] vertices (metres, camera space), [S, 3, 3] K."""
    rng = np.random.default_rng(seed)
    xyz, verts, ks = [], [], []
    for _ in range(samples):
        j = hand_like_joints(rng, fan=0.35, bone_m=0.028, rotate=False)
        bones = [(0, 1 + 4 * f) for f in range(5)] + [(1 + 4 * f + i, 2 + 4 * f + i) for f in range(5) for i in range(3)]
        pick = rng.integers(0, len(bones), 778)
        frac = rng.uniform(0, 1, (778, 1))
        v = j[[bones[b][0] for b in pick]] * (1 - frac) + j[[bones[b][1] for b in pick]] * frac + rng.normal(0, 0.006, (778, 3))
        rot = _rotation(rng)
        t = np.array([rng.uniform(-0.05, 0.05), rng.uniform(-0.05, 0.05), rng.uniform(0.3, 0.8)])
        xyz.append(j @ rot.T + t)
        verts.append(v @ rot.T + t)
        f = rng.uniform(400, 600)
        ks.append(np.array([[f, 0, 111.5], [0, f, 111.5], [0, 0, 1]]))
    return GroundTruth(folder or Path("<generated>"), "evaluation", np.array(xyz), np.array(verts), np.array(ks))


def step_auc(error: float, lo: float, hi: float, steps: int) -> float:
    """AUC of a PCK curve when every error equals ``error`` (a step), by hand.

    Thresholds ``t_k = lo + k (hi - lo) / (steps - 1)``; PCK is 1 from the first ``t_j >= error`` on:
    the trapezoid area is ``(steps - 1 - j) + 0.5`` intervals (``j >= 1``), over ``steps - 1`` intervals.
    """
    delta = (hi - lo) / (steps - 1)
    j = int(np.ceil((error - lo) / delta))
    if j <= 0:
        return 1.0
    if j > steps - 1:
        return 0.0
    return ((steps - 1 - j) + 0.5) / (steps - 1)


@dataclass(frozen=True, eq=False)
class KnownCase:
    """A prediction of :func:`generated_ground_truth` and the metrics it fixes.

    Attributes:
        name: case name.
        xyz: [S, 21, 3] predicted joints, metres.
        verts: [S, 778, 3] predicted vertices, metres.
        known: metric name -> value by construction.
    """

    name: str
    xyz: np.ndarray
    verts: np.ndarray
    known: dict[str, float]


def known_cases(gt: GroundTruth, seed: int = 1, noise_m: float = 0.003) -> list[KnownCase]:
    """The four cases of the module docstring for ``gt``."""
    rng = np.random.default_rng(seed)
    auc_al = step_auc(1e-9, 0.0, 0.05, 100)  # FreiHAND's aligned errors are ~1e-9 m, never 0 (its +1e-8 in the norms)
    everything = {"pa_mpjpe_mm": 0.0, "pa_mpvpe_mm": 0.0, "f5_al": 1.0, "f15_al": 1.0, "auc_xyz_al_0_50": auc_al, "auc_mesh_al_0_50": auc_al,
                  "mpjpe_mm": 0.0, "mpvpe_mm": 0.0, "f5": 1.0, "f15": 1.0, "auc_xyz_0_50": 1.0, "auc_mesh_0_50": 1.0,
                  "pa_mpjpe_rigid_align_mm": 0.0, "pa_mpvpe_rigid_align_mm": 0.0, "rr_mpjpe_mm": 0.0, "auc_rr_20_50": 1.0,
                  "auc_pa_20_50": 1.0, "proj2d_mean_px": 0.0, "auc_proj2d_0_30": 1.0}
    cases = [KnownCase("identical", gt.xyz.copy(), gt.verts.copy(), everything)]
    sim_xyz, sim_v, mir_xyz, mir_v = [], [], [], []
    for j, v in zip(gt.xyz, gt.verts):
        rot, scale, shift = _rotation(rng), rng.uniform(0.8, 1.25), rng.normal(0, 0.05, 3)
        c = j.mean(0)
        sim_xyz.append((j - c) @ rot.T * scale + c + shift)
        sim_v.append((v - c) @ rot.T * scale + c + shift)
        n = rng.normal(size=3)
        n /= np.linalg.norm(n)
        mirror = np.eye(3) - 2 * np.outer(n, n)
        mir_xyz.append((j - j.mean(0)) @ mirror.T + j.mean(0))
        mir_v.append((v - v.mean(0)) @ mirror.T + v.mean(0))
    cases.append(KnownCase("similarity", np.array(sim_xyz), np.array(sim_v),
                           {"pa_mpjpe_mm": 0.0, "pa_mpvpe_mm": 0.0, "pa_mpjpe_rigid_align_mm": 0.0, "pa_mpvpe_rigid_align_mm": 0.0,
                            "f5_al": 1.0, "f15_al": 1.0, "auc_xyz_al_0_50": auc_al, "auc_mesh_al_0_50": auc_al, "auc_pa_20_50": 1.0}))
    cases.append(KnownCase("mirror", np.array(mir_xyz), np.array(mir_v),
                           {"pa_mpjpe_mm": 0.0, "pa_mpvpe_mm": 0.0, "f5_al": 1.0, "f15_al": 1.0}))

    def shell(shape: tuple[int, ...]) -> np.ndarray:
        d = rng.normal(size=shape)
        return d / np.linalg.norm(d, axis=-1, keepdims=True) * noise_m

    auc = step_auc(noise_m, 0.0, 0.05, 100)
    cases.append(KnownCase(f"noise {noise_m * 1000:g} mm", gt.xyz + shell(gt.xyz.shape), gt.verts + shell(gt.verts.shape),
                           {"mpjpe_mm": noise_m * 1000, "mpvpe_mm": noise_m * 1000, "f5": 1.0, "f15": 1.0,
                            "auc_xyz_0_50": auc, "auc_mesh_0_50": auc}))
    return cases


@dataclass(frozen=True)
class KnownAnswer:
    """One measured metric next to its known value."""

    case: str
    metric: str
    measured: float
    known: float

    @property
    def error(self) -> float:
        return abs(self.measured - self.known)


def known_answer_check(samples: int = 6, seed: int = 0) -> tuple[list[KnownAnswer], dict[str, dict[str, float]]]:
    """Evaluate every known case: (rows of measured vs known, case -> every metric measured)."""
    gt = generated_ground_truth(samples, seed)
    rows, all_metrics = [], {}
    for case in known_cases(gt):
        report = evaluate(gt, case.xyz, case.verts, label=case.name)
        all_metrics[case.name] = report.metrics
        rows += [KnownAnswer(case.name, name, report.metrics[name], value) for name, value in case.known.items()]
    return rows, all_metrics


def format_known_answers(rows: list[KnownAnswer]) -> str:
    """The table ``mobrecon eval`` prints without arguments."""
    lines = ["generated FreiHAND-format set (not a hand dataset): metrics next to their known answers",
             f"{'case':<14} {'metric':<26} {'measured':>14} {'known':>14} {'|diff|':>9}"]
    lines += [f"{r.case:<14} {r.metric:<26} {r.measured:>14.9f} {r.known:>14.9f} {r.error:>9.1e}" for r in rows]
    return "\n".join(lines)
