"""Hand box: the palm model's anchors and decoding, weighted NMS, and the real MediaPipe models where obtainable."""

from __future__ import annotations

import hashlib
import zipfile

import numpy as np
import pytest

from mobrecon.pipeline import mediapipe_assets as assets
from mobrecon.pipeline.errors import HandDetectorUnavailable
from mobrecon.pipeline.handbox import PalmDetection, decode_palms, palm_anchors, palm_roi, weighted_nms


def test_anchors_are_mediapipes_layout():
    a = palm_anchors()
    assert a.shape == (2016, 2)
    np.testing.assert_allclose(a[0], [0.5 / 24, 0.5 / 24])
    np.testing.assert_allclose(a[1], a[0])  # 2 anchors per cell on the 24 x 24 grid
    np.testing.assert_allclose(a[1152], [0.5 / 12, 0.5 / 12])  # then 6 per cell on the 12 x 12 grid
    np.testing.assert_allclose(a[1152 + 6], [1.5 / 12, 0.5 / 12])


def test_decoding_offsets_and_scores():
    anchors = palm_anchors()
    boxes = np.zeros((2016, 18))
    scores = np.full((2016, 1), -10.0)
    boxes[100, :4] = [19.2, -9.6, 48.0, 24.0]
    boxes[100, 4:6] = [9.6, 0.0]
    scores[100] = 2.0
    [d] = decode_palms(boxes, scores, anchors)
    np.testing.assert_allclose(d.box, [anchors[100, 0] + 0.1, anchors[100, 1] - 0.05, 0.25, 0.125])
    np.testing.assert_allclose(d.keypoints[0], anchors[100] + [0.05, 0.0])
    assert d.score == pytest.approx(1 / (1 + np.exp(-2.0)))


def test_weighted_nms_averages_a_cluster():
    a = PalmDetection(0.9, np.array([0.5, 0.5, 0.2, 0.2]), np.zeros((7, 2)))
    b = PalmDetection(0.6, np.array([0.52, 0.5, 0.2, 0.2]), np.ones((7, 2)))
    c = PalmDetection(0.7, np.array([0.1, 0.1, 0.1, 0.1]), np.zeros((7, 2)))
    out = weighted_nms([b, c, a])
    assert [d.score for d in out] == [0.9, 0.7]
    np.testing.assert_allclose(out[0].box[0], (0.5 * 0.9 + 0.52 * 0.6) / 1.5)
    np.testing.assert_allclose(out[0].keypoints, np.full((7, 2), 0.6 / 1.5))


def test_roi_of_an_upright_palm_moves_towards_the_fingers():
    cx, cy, side, angle = palm_roi(np.array([100.0, 100.0, 40.0, 50.0]), np.array([100.0, 120.0]), np.array([100.0, 80.0]))
    assert angle == pytest.approx(0.0) and (cx, cy) == pytest.approx((100.0, 75.0)) and side == pytest.approx(130.0)
    _, _, _, angle = palm_roi(np.array([100.0, 100.0, 40.0, 40.0]), np.array([80.0, 100.0]), np.array([120.0, 100.0]))
    assert angle == pytest.approx(np.pi / 2)  # fingers pointing right


def test_asset_fetcher_takes_pinned_members_from_a_wheel_and_refuses_others(tmp_path, monkeypatch):
    payload = b"palm model bytes"
    asset = assets.Asset("mediapipe/modules/palm_detection/x.tflite", hashlib.sha256(payload).hexdigest(), len(payload))
    wheel = tmp_path / "mediapipe.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(asset.member, payload)
    got = assets.fetch_asset(asset, cache=tmp_path / "c", wheel=wheel)
    assert got.path.read_bytes() == payload
    assert assets.fetch_asset(asset, cache=tmp_path / "c", download=False).path == got.path
    got.path.write_bytes(b"changed")
    again = assets.fetch_asset(asset, cache=tmp_path / "c", download=False)
    assert again.path is None and "did not match" in again.reason
    other = assets.Asset(asset.member, "0" * 64, 1)
    assert "not the pinned" in assets.fetch_asset(other, cache=tmp_path / "d", wheel=wheel).reason


def test_pins_are_sha256_of_the_pinned_wheel():
    assert assets.MEDIAPIPE_VERSION == "0.10.21"
    assert all(len(a.sha256) == 64 and int(a.sha256, 16) >= 0 for a in assets.ASSETS.values())
    assert assets.PALM_DETECTION_FULL.member == "mediapipe/modules/palm_detection/palm_detection_full.tflite"


@pytest.fixture(scope="module")
def detector():
    from mobrecon.pipeline.handbox import load_hand_detector

    try:
        return load_hand_detector()
    except HandDetectorUnavailable as err:
        pytest.skip(f"MediaPipe hand detection unavailable here: {err}")


def test_finds_the_drawn_right_hand(detector):
    pytest.importorskip("PIL", reason="Pillow (app extra) draws the test image")
    from mobrecon.pipeline.sample_image import drawn_hand

    frame, drawn = drawn_hand()
    hands = detector.detect(frame)
    assert len(hands) == 1 and hands[0].handedness == "right"
    x, y, w, h = hands[0].box
    dx, dy, dw, dh = drawn
    # the landmarks' box lies inside the drawn hand's box (which includes the forearm)
    assert dx - 2 <= x and x + w <= dx + dw + 2 and dy - 2 <= y and y + h <= dy + dh + 2
    flipped = detector.detect(frame[:, ::-1].copy())
    assert len(flipped) == 1 and flipped[0].handedness == "left"


def test_blank_frame_has_no_hand(detector):
    assert detector.detect(np.full((240, 320, 3), 128, np.uint8)) == []
