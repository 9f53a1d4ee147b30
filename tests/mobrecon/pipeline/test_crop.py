"""Crop: the reference's transform, our bilinear warp against cv2.warpAffine, inverse mapping, mirroring."""

from __future__ import annotations

import numpy as np
import pytest

cv2 = pytest.importorskip("cv2", reason="opencv-python-headless (test extra) is the reference for the warp")

from mobrecon.pipeline.crop import (  # noqa: E402
    CROP_SIZE, crop_intrinsics, crop_transform, invert_affine, model_input, warp_affine,
)


def _reference_matrix(box, mirrored, frame_width):
    """HandMesh gen_trans_from_patch_cv (scale 1.3, no rotation/shift) via cv2.getAffineTransform, after its flip."""
    x, y, w, h = box
    side = max(w, h)
    cx, cy = x + w / 2, y + h / 2
    if mirrored:
        cx = frame_width - cx - 1
    src = np.float32([[cx, cy], [cx, cy + side * 1.3 / 2], [cx + side * 1.3 / 2, cy]])
    dst = np.float32([[64, 64], [64, 128], [128, 64]])
    m = cv2.getAffineTransform(src, dst).astype(np.float64)
    if mirrored:  # the reference flips the frame first: x -> W - 1 - x
        m = m @ np.array([[-1, 0, frame_width - 1], [0, 1, 0], [0, 0, 1]], dtype=np.float64)
    return m


@pytest.mark.parametrize("box, mirrored", [((270, 190, 100, 100), False), ((40.5, 300.25, 180, 90), False),
                                           ((410, 20, 60, 150), True), ((-30, -20, 120, 110), True)])
def test_matrix_is_the_references(box, mirrored):
    ours = crop_transform(box, mirrored=mirrored).matrix
    ref = _reference_matrix(box, mirrored, 640)
    # the reference builds it in float32: agreement to float32 precision of frame coordinates
    np.testing.assert_allclose(ours, ref, atol=1e-4 * max(1.0, np.abs(ref).max()), rtol=0)


def _smooth_image(rng, h, w):
    y, x = np.mgrid[0:h, 0:w]
    img = np.stack([127 + 100 * np.sin(x / 17.0 + c) * np.cos(y / 23.0 - c) for c in range(3)], axis=-1)
    return np.clip(img + rng.normal(0, 2, img.shape), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("mirrored", [False, True])
def test_warp_matches_opencv_on_smooth_images(mirrored):
    rng = np.random.default_rng(0)
    frame = _smooth_image(rng, 360, 480)
    worst = 0.0
    for _ in range(10):
        box = (rng.uniform(-40, 400), rng.uniform(-40, 300), rng.uniform(40, 200), rng.uniform(40, 200))
        m = crop_transform(box, mirrored=mirrored).matrix
        ours = warp_affine(frame, m, CROP_SIZE, CROP_SIZE)
        ref = cv2.warpAffine(frame, m, (CROP_SIZE, CROP_SIZE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        worst = max(worst, float(np.abs(ours - ref.astype(np.float32)).max()))
    # OpenCV rounds its uint8 output (0.5) and works in fixed point: stated tolerance 0.6 grey levels
    assert worst <= 0.6, worst


def test_warp_matches_opencv_float_on_noise():
    """On float white noise (the worst case for any coordinate or weight quantisation): within 0.05 of 255."""
    rng = np.random.default_rng(1)
    frame = rng.uniform(0, 255, (100, 120, 3)).astype(np.float32)
    m = crop_transform((10.3, 7.9, 77.7, 61.1)).matrix
    ours = warp_affine(frame, m, CROP_SIZE, CROP_SIZE)
    ref = cv2.warpAffine(frame, m, (CROP_SIZE, CROP_SIZE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    assert float(np.abs(ours - ref).max()) <= 0.05


def test_warp_is_exact_on_integer_shifts():
    rng = np.random.default_rng(2)
    frame = rng.integers(0, 256, (40, 50, 3)).astype(np.uint8)
    m = np.array([[1.0, 0, -3.0], [0, 1.0, -5.0]])  # output (x, y) reads frame (x + 3, y + 5)
    out = warp_affine(frame, m, 20, 10)
    np.testing.assert_array_equal(out, frame[5:15, 3:23].astype(np.float32))
    assert warp_affine(frame, np.array([[1.0, 0, 100.0], [0, 1.0, 0]]), 5, 5).max() == 0  # entirely outside -> border


@pytest.mark.parametrize("mirrored", [False, True])
def test_frame_crop_frame_round_trip(mirrored):
    rng = np.random.default_rng(3)
    tf = crop_transform((123.4, 56.7, 150.0, 120.0), mirrored=mirrored)
    pts = rng.uniform(0, 640, (1000, 2))
    back = tf.crop_to_frame(tf.frame_to_crop(pts))
    assert float(np.abs(back - pts).max()) < 1e-9
    np.testing.assert_allclose(invert_affine(tf.inverse), tf.matrix, atol=1e-12)


def test_mirroring_reflects_about_the_box_centre_and_unmirrors():
    box = (200.0, 100.0, 80.0, 120.0)
    plain, mirror = crop_transform(box), crop_transform(box, mirrored=True)
    pts = np.array([[210.0, 130.0], [279.0, 219.0]])
    a, b = plain.frame_to_crop(pts), mirror.frame_to_crop(pts)
    np.testing.assert_allclose(b[:, 0], 128 - a[:, 0], atol=1e-12)
    np.testing.assert_allclose(b[:, 1], a[:, 1], atol=1e-12)
    np.testing.assert_allclose(mirror.unmirror_uv(b), a, atol=1e-12)
    # the mirrored crop is the plain crop flipped left-right about x = 64: pixel c <-> 128 - c
    rng = np.random.default_rng(4)
    frame = rng.integers(0, 256, (480, 640, 3)).astype(np.uint8)
    cp, cm = warp_affine(frame, plain.matrix, 128, 128), warp_affine(frame, mirror.matrix, 128, 128)
    np.testing.assert_allclose(cm[:, 1:], cp[:, 1:][:, ::-1], atol=1e-3)


def test_box_centre_lands_on_pixel_64_and_box_side_spans_128_over_1_3():
    tf = crop_transform((62, 62, 100, 100))  # the reference's FreiHAND evaluation box on a 224 image
    np.testing.assert_allclose(tf.frame_to_crop(np.array([112.0, 112.0])), [64.0, 64.0])
    assert tf.scale == pytest.approx(128 / 130)


def test_crop_intrinsics_project_like_the_crop():
    k = np.array([[500.0, 0, 319.5], [0, 480.0, 239.5], [0, 0, 1]])
    tf = crop_transform((300, 200, 60, 90))
    kc = crop_intrinsics(k, tf)
    p = np.array([[0.03, -0.02, 0.5], [-0.01, 0.04, 0.7]])
    frame_px = (p @ k.T)[:, :2] / p[:, 2:]
    crop_px = (p @ kc.T)[:, :2] / p[:, 2:]
    np.testing.assert_allclose(tf.frame_to_crop(frame_px), crop_px, atol=1e-9)


def test_model_input_normalisation():
    crop = np.zeros((128, 128, 3), np.float32)
    crop[..., 0] = 255
    x = model_input(crop)
    assert x.shape == (1, 3, 128, 128) and x.dtype == np.float32
    assert x[0, 0].min() == 1.0 and x[0, 1].max() == -1.0
