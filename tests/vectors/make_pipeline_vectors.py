"""Write the shared pipeline test vectors (crop, registration) that the Android and iOS ports test against.

Run from the repository root::

    python tests/vectors/make_pipeline_vectors.py            # rewrites tests/vectors/pipeline/*.json
    python tests/vectors/make_pipeline_vectors.py --check    # exit 1 if the files differ from what this makes

Every number comes from the Python implementation (``mobrecon.pipeline``); field meanings, units
and conventions are in ``tests/vectors/README.md``. Deterministic: fixed seeds, no timestamps.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from mobrecon.evaluation.generated import hand_like_joints
from mobrecon.pipeline.crop import CROP_SIZE, crop_intrinsics, crop_transform, warp_affine
from mobrecon.pipeline.outputs import MANO_TO_MPII
from mobrecon.pipeline.registration import MAX_ROUNDS, MIN_JOINTS, STOP_LOSS_PX, Z_BOUNDS, project, register

HERE = Path(__file__).resolve().parent / "pipeline"
FORMAT = "mobrecon-pipeline-vectors/1"


def _r(x, digits: int = 12):
    """Round floats for stable JSON (arrays -> nested lists)."""
    return np.round(np.asarray(x, dtype=np.float64), digits).tolist()


def pattern_frame(width: int, height: int) -> np.ndarray:
    """The synthetic frame the full-size crop cases sample: value(x, y, c) = (7 x + 13 y + 50 c) mod 256, uint8."""
    y, x = np.mgrid[0:height, 0:width]
    return np.stack([(7 * x + 13 * y + 50 * c) % 256 for c in range(3)], axis=-1).astype(np.uint8)


def crop_vectors() -> dict:
    cases = []
    specs = [("centred", (270.0, 190.0, 100.0, 100.0), False, 640, 480),
             ("wide box, right", (40.5, 300.25, 180.0, 90.0), False, 640, 480),
             ("tall box, left (mirrored)", (410.0, 20.0, 60.0, 150.0), True, 640, 480),
             ("partly outside the frame", (-30.0, -20.0, 120.0, 110.0), False, 320, 240),
             ("freihand eval crop", (62.0, 62.0, 100.0, 100.0), False, 224, 224)]
    rng = np.random.default_rng(12)
    for name, box, mirrored, w, h in specs:
        tf = crop_transform(box, mirrored=mirrored)
        frame_pts = np.array([[box[0], box[1]], [box[0] + box[2], box[1] + box[3]], [box[0] + box[2] / 2, box[1] + box[3] / 2]])
        crop_pts = rng.uniform(-5, CROP_SIZE + 5, (3, 2))
        frame = pattern_frame(w, h)
        crop = warp_affine(frame, tf.matrix, CROP_SIZE, CROP_SIZE)
        rows, cols = rng.integers(0, CROP_SIZE, 24), rng.integers(0, CROP_SIZE, 24)
        samples = [[int(r), int(c), int(ch), float(np.round(crop[r, c, ch], 6))] for r, c in zip(rows, cols) for ch in range(3)][::3]
        k_frame = np.array([[500.0, 0, (w - 1) / 2], [0, 500.0, (h - 1) / 2], [0, 0, 1]])
        cases.append({
            "name": name, "box_xywh": list(box), "mirrored": mirrored, "frame_width": w, "frame_height": h,
            "matrix": _r(tf.matrix), "inverse": _r(tf.inverse), "scale": float(np.round(tf.scale, 12)),
            "frame_points": _r(frame_pts), "frame_points_in_crop": _r(tf.frame_to_crop(frame_pts)),
            "crop_points": _r(crop_pts), "crop_points_in_frame": _r(tf.crop_to_frame(crop_pts)),
            "crop_points_unmirrored": _r(tf.unmirror_uv(crop_pts)),
            "k_frame": _r(k_frame), "k_crop": _r(crop_intrinsics(k_frame, tf)),
            "crop_samples": samples,
        })
    small_frame = (np.arange(6 * 5 * 3).reshape(5, 6, 3) * 17 % 256).astype(np.uint8)
    small_matrix = np.array([[1.7, 0.3, -1.2], [-0.25, 1.4, 0.6]])
    small_out = warp_affine(small_frame, small_matrix, 8, 7)
    return {
        "format": FORMAT, "what": "crop: square box x1.3 -> 128 px by a 2x3 affine, bilinear, inverse mapping, mirroring",
        "crop_size": CROP_SIZE, "box_scale": 1.3,
        "tolerance": {"matrix": 1e-9, "points_px": 1e-6, "k": 1e-6, "pixel_value": 2e-3},
        "cases": cases,
        "warp": {"frame_height": 5, "frame_width": 6, "channels": 3, "frame_uint8_hwc": small_frame.reshape(-1).tolist(),
                 "matrix": _r(small_matrix), "out_width": 8, "out_height": 7,
                 "expected_float_hwc": np.round(small_out.astype(np.float64), 6).reshape(-1).tolist()},
    }


def registration_vectors() -> dict:
    rng = np.random.default_rng(7)
    cases = []
    kinds = [("noise-free", 0.0, 0, None), ("noise-free", 0.0, 0, None), ("noise 1 px", 1.0, 0, None), ("noise 2 px", 2.0, 0, None),
             ("noise 2 px + 3 outliers", 2.0, 3, None), ("noise 3 px + 5 outliers", 3.0, 5, None),
             ("far: t_z at the upper bound", 0.5, 0, 3.0), ("near: t_z at the lower bound", 0.5, 0, 0.02)]
    for name, sigma, outliers, force_z in kinds:
        xyz = hand_like_joints(rng)
        if force_z is not None and force_z < Z_BOUNDS[0]:
            xyz[:, 2] *= 0.1  # a flat hand, so that every joint stays in front of the camera at the bound
        f = rng.uniform(300, 600)
        k = np.array([[f, 0, rng.uniform(50, 78)], [0, f, rng.uniform(50, 78)], [0, 0, 1]])
        t_true = np.array([rng.uniform(-0.05, 0.05), rng.uniform(-0.05, 0.05), rng.uniform(0.3, 1.0) if force_z is None else force_z])
        uv = project(xyz + t_true, k)
        if sigma:
            uv = uv + rng.normal(0, sigma, uv.shape)
        if outliers:
            idx = rng.choice(21, outliers, replace=False)
            uv[idx] += rng.normal(0, 20, (outliers, 2))
        reg = register(xyz, uv, k)
        cases.append({"name": name, "xyz_m": _r(xyz), "uv_px": _r(uv), "k": _r(k), "t_true_m": _r(t_true),
                      "expected_t_m": _r(reg.t), "expected_rounds": reg.rounds,
                      "expected_joints_used": [int(i) for i in np.flatnonzero(reg.used)], "expected_z_at_bound": reg.z_at_bound})
    return {
        "format": FORMAT, "what": "camera-space registration: t minimising the reprojection error, the reference's rounds",
        "z_bounds_m": list(Z_BOUNDS), "max_rounds": MAX_ROUNDS, "min_joints": MIN_JOINTS, "stop_loss_px": STOP_LOSS_PX,
        "mano_to_mpii": MANO_TO_MPII.tolist(),
        "tolerance": {"t_m": 1e-7},
        "cases": cases,
    }


def build() -> dict[str, dict]:
    return {"crop.json": crop_vectors(), "registration.json": registration_vectors()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the files instead of writing them")
    args = parser.parse_args()
    bad = 0
    for name, data in build().items():
        text = json.dumps(data, indent=1) + "\n"
        path = HERE / name
        if args.check:
            if not path.is_file() or json.loads(path.read_text()) != json.loads(text):
                print(f"{path} differs from what the script makes", file=sys.stderr)
                bad = 1
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path}")
    return bad


if __name__ == "__main__":
    sys.exit(main())
