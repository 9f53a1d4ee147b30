"""Print the pipeline's measured numbers (not a test; needs the test extra: SciPy, OpenCV).

    python tests/mobrecon/pipeline/measure_pipeline.py

Registration: recovery error on noise-free cases, agreement with the reference's SLSQP formulation
on 50 generated cases (SciPy's default ftol as the reference calls it, and ftol 1e-14), time per
call. Crop: max |ours - cv2.warpAffine| on smooth uint8 images and on float noise, frame -> crop ->
frame round trip.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from mobrecon.pipeline.crop import crop_transform, warp_affine  # noqa: E402
from mobrecon.pipeline.registration import project, register  # noqa: E402
from tests.mobrecon.pipeline.registration_reference import hand_case, slsqp_register  # noqa: E402


def main() -> None:
    rng = np.random.default_rng(10)
    rec = [np.abs(register(x, project(x + t, k), k).t - t).max() for x, _, k, t in (hand_case(rng, 0.0, 0) for _ in range(50))]
    print(f"registration, noise-free, 50 cases: max |t - t_true| = {max(rec):.3g} m")
    rng = np.random.default_rng(0)
    cases = [hand_case(rng) for _ in range(50)]
    ours = [register(x, uv, k).t for x, uv, k, _ in cases]
    for ftol in (1e-6, 1e-14):
        d = np.array([np.linalg.norm(o - slsqp_register(x, uv, k, ftol=ftol)) for o, (x, uv, k, _) in zip(ours, cases)]) * 1000
        print(f"registration vs SLSQP (ftol {ftol:g}), 50 noisy cases with outliers: max {d.max():.4g} mm, median {np.median(d):.4g} mm")
    x, uv, k, _ = cases[0]
    for name, fn in (("ours", lambda: register(x, uv, k)), ("SLSQP ftol 1e-6", lambda: slsqp_register(x, uv, k))):
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < 2.0:
            fn()
            n += 1
        print(f"registration time per call ({name}): {(time.perf_counter() - t0) / n * 1e3:.3f} ms ({n} calls)")
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:360, 0:480]
    smooth = np.clip(np.stack([127 + 100 * np.sin(xx / 17.0 + c) * np.cos(yy / 23.0 - c) for c in range(3)], -1)
                     + rng.normal(0, 2, (360, 480, 3)), 0, 255).astype(np.uint8)
    noise = rng.uniform(0, 255, (360, 480, 3)).astype(np.float32)
    worst_u8 = worst_f = trip = 0.0
    for i in range(40):
        box = (rng.uniform(-40, 400), rng.uniform(-40, 300), rng.uniform(40, 200), rng.uniform(40, 200))
        tf = crop_transform(box, mirrored=bool(i % 2))
        ref = cv2.warpAffine(smooth, tf.matrix, (128, 128), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        worst_u8 = max(worst_u8, float(np.abs(warp_affine(smooth, tf.matrix, 128, 128) - ref).max()))
        ref_f = cv2.warpAffine(noise, tf.matrix, (128, 128), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        worst_f = max(worst_f, float(np.abs(warp_affine(noise, tf.matrix, 128, 128) - ref_f).max()))
        pts = rng.uniform(-50, 550, (500, 2))
        trip = max(trip, float(np.abs(tf.crop_to_frame(tf.frame_to_crop(pts)) - pts).max()))
    print(f"crop vs cv2.warpAffine INTER_LINEAR, 40 boxes: smooth uint8 max |diff| {worst_u8:.3f} grey levels; float noise max |diff| {worst_f:.3f} (of 255)")
    print(f"frame -> crop -> frame round trip, 40 boxes x 500 points: max {trip:.3g} px")


if __name__ == "__main__":
    main()
