"""The shared test vectors: the checked-in files equal what the script makes, and the implementation reproduces them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from mobrecon.pipeline.crop import crop_intrinsics, crop_transform, warp_affine
from mobrecon.pipeline.registration import register

VECTORS = Path(__file__).resolve().parents[2] / "vectors"
sys.path.insert(0, str(VECTORS))
import make_pipeline_vectors as maker  # noqa: E402


def _close(a, b, path="") -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            _close(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert abs(a - b) <= 1e-9 * max(1.0, abs(b)), (path, a, b)
    else:
        assert a == b, (path, a, b)


@pytest.mark.parametrize("name", ["crop.json", "registration.json"])
def test_checked_in_vectors_equal_the_scripts_output(name):
    made = maker.build()[name]
    stored = json.loads((VECTORS / "pipeline" / name).read_text())
    _close(stored, json.loads(json.dumps(made)))


def test_crop_vectors_hold():
    data = json.loads((VECTORS / "pipeline" / "crop.json").read_text())
    tol = data["tolerance"]
    for case in data["cases"]:
        tf = crop_transform(case["box_xywh"], mirrored=case["mirrored"])
        np.testing.assert_allclose(tf.matrix, case["matrix"], atol=tol["matrix"])
        np.testing.assert_allclose(tf.frame_to_crop(np.array(case["frame_points"])), case["frame_points_in_crop"], atol=tol["points_px"])
        np.testing.assert_allclose(tf.crop_to_frame(np.array(case["crop_points"])), case["crop_points_in_frame"], atol=tol["points_px"])
        np.testing.assert_allclose(crop_intrinsics(np.array(case["k_frame"]), tf), case["k_crop"], atol=tol["k"])
        crop = warp_affine(maker.pattern_frame(case["frame_width"], case["frame_height"]), tf.matrix, 128, 128)
        for r, c, ch, value in case["crop_samples"]:
            assert abs(crop[r, c, ch] - value) <= tol["pixel_value"]
    w = data["warp"]
    frame = np.array(w["frame_uint8_hwc"], np.uint8).reshape(w["frame_height"], w["frame_width"], w["channels"])
    out = warp_affine(frame, np.array(w["matrix"]), w["out_width"], w["out_height"])
    np.testing.assert_allclose(out.reshape(-1), w["expected_float_hwc"], atol=tol["pixel_value"])


def test_registration_vectors_hold():
    data = json.loads((VECTORS / "pipeline" / "registration.json").read_text())
    for case in data["cases"]:
        reg = register(np.array(case["xyz_m"]), np.array(case["uv_px"]), np.array(case["k"]), z_bounds=tuple(data["z_bounds_m"]))
        np.testing.assert_allclose(reg.t, case["expected_t_m"], atol=data["tolerance"]["t_m"])
        assert reg.rounds == case["expected_rounds"]
        assert [int(i) for i in np.flatnonzero(reg.used)] == case["expected_joints_used"]
    names = [c["name"] for c in data["cases"]]
    assert any("upper bound" in n for n in names) and any("lower bound" in n for n in names)
