"""The hand box from a camera frame: MediaPipe's palm detection, then its hand landmark model, on LiteRT.

Usage::

    from mobrecon.pipeline.handbox import load_hand_detector

    detector = load_hand_detector()            # raises HandDetectorUnavailable(reason) if it cannot run here
    hands = detector.detect(frame)             # frame [H, W, 3] uint8 RGB -> list[HandDetection], best first
    hands[0].box, hands[0].handedness          # (x, y, w, h) frame px; "right" / "left"

The models are ``palm_detection_full.tflite`` and ``hand_landmark_full.tflite`` from the pinned
``mediapipe`` wheel (:mod:`mobrecon.pipeline.mediapipe_assets`), run with ``ai-edge-litert``
(imported only here, only when a detector is built). The pre- and post-processing follow
MediaPipe's graphs (``mediapipe/modules/palm_detection/palm_detection_cpu.pbtxt``,
``hand_landmark/palm_detection_detection_to_roi.pbtxt``, ``hand_landmark_cpu.pbtxt``), re-written
here in numpy:

1. palm detection: the frame letterboxed (aspect kept, zero border) to 192 x 192 RGB in [0, 1];
   2016 SSD anchors (strides 8, 16, 16, 16; 2 anchors per cell on the 24 x 24 grid, 6 on the
   12 x 12 one; fixed size 1); boxes ``x, y, w, h`` and 7 keypoints decoded as offsets / 192 from
   the anchor centre; scores ``sigmoid(clip(raw, -100, 100))`` above 0.5; weighted
   non-maximum suppression at IoU 0.3;
2. hand region: the palm box rotated so that wrist (keypoint 0) -> middle-finger MCP (keypoint
   2) points up, shifted by half its height towards the fingers, made square on its long side and
   scaled by 2.6;
3. hand landmarks: that rotated square warped to 224 x 224 RGB in [0, 1]; 21 landmarks (x, y in
   crop px, z), a presence score (hand if > 0.5) and a handedness score.

The hand box handed to the MobRecon crop is the axis-aligned box of the 21 landmarks in frame
pixels (the reference crops around the hand mask's box, which is a little wider across the palm).
Handedness: MediaPipe's score is the probability of its label 0, "Left", for a *mirrored*
(selfie) image; for an ordinary photo (``mirrored_input=False``, the default) that is the
probability of a right hand. Coordinates are converted from MediaPipe's normalised continuous
image coordinates to this package's pixel-centre convention (:mod:`mobrecon.pipeline.crop`).
Not reproduced: MediaPipe's tracking across frames and its fixed-point image resampling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mobrecon.pipeline.crop import apply_affine, invert_affine, warp_affine
from mobrecon.pipeline.errors import HandDetectorUnavailable

__all__ = ["PALM_INPUT", "LANDMARK_INPUT", "PalmDetection", "HandDetection", "palm_anchors", "decode_palms",
           "weighted_nms", "palm_roi", "HandDetector", "load_hand_detector"]

#: Palm model input side (px) and decoding constants (``palm_detection_cpu.pbtxt``).
PALM_INPUT = 192
PALM_SCORE_THRESHOLD = 0.5
PALM_NMS_IOU = 0.3
_SCORE_CLIP = 100.0
#: Hand landmark model input side (px) and presence threshold (``hand_landmark_cpu.pbtxt``).
LANDMARK_INPUT = 224
PRESENCE_THRESHOLD = 0.5
#: Palm box -> hand region (``palm_detection_detection_to_roi.pbtxt``).
ROI_SCALE = 2.6
ROI_SHIFT_Y = -0.5


@dataclass(frozen=True, eq=False)
class PalmDetection:
    """One palm, in normalised coordinates of the model input (continuous, [0, 1] over 192 px).

    Attributes:
        score: detection confidence in [0, 1].
        box: [4] float64 ``(x_center, y_center, w, h)``.
        keypoints: [7, 2] float64 ``(x, y)``; 0 = wrist centre, 2 = middle-finger MCP.
    """

    score: float
    box: np.ndarray
    keypoints: np.ndarray


@dataclass(frozen=True, eq=False)
class HandDetection:
    """One hand found in a frame (frame pixels, pixel-centre coordinates).

    Attributes:
        box: ``(x, y, w, h)`` axis-aligned box of the 21 landmarks.
        handedness: ``"right"`` or ``"left"``.
        handedness_score: probability of that label (0.5..1).
        palm_score: the palm detection's confidence.
        presence: the landmark model's hand presence score.
        landmarks: [21, 3] float64: x, y frame px and MediaPipe's relative depth z (crop px / 224,
            scaled as the model outputs it); FreiHAND/MPII joint order.
        region: ``(cx, cy, side, angle_rad)`` of the rotated square the landmarks were read from.
    """

    box: tuple[float, float, float, float]
    handedness: str
    handedness_score: float
    palm_score: float
    presence: float
    landmarks: np.ndarray
    region: tuple[float, float, float, float]

    def to_dict(self) -> dict:
        return {"box_xywh_px": list(self.box), "handedness": self.handedness, "handedness_score": self.handedness_score,
                "palm_score": self.palm_score, "presence": self.presence, "landmarks_px": self.landmarks[:, :2].tolist(),
                "region_cx_cy_side_angle": list(self.region)}


def palm_anchors() -> np.ndarray:
    """The 2016 anchor centres of the palm model: [2016, 2] float64 ``(x, y)`` normalised.

    MediaPipe's ``SsdAnchorsCalculator`` with 4 layers, strides (8, 16, 16, 16), one aspect ratio
    plus the interpolated one (2 anchors per layer and cell), fixed anchor size, offset 0.5:
    consecutive layers of equal stride share one grid, so the 24 x 24 grid holds 2 anchors per cell
    and the 12 x 12 grid 6, in row-major cell order.
    """
    out = []
    for stride, per_cell in ((8, 2), (16, 6)):
        cells = PALM_INPUT // stride
        ys, xs = np.meshgrid((np.arange(cells) + 0.5) / cells, (np.arange(cells) + 0.5) / cells, indexing="ij")
        centres = np.stack([xs.ravel(), ys.ravel()], axis=1)
        out.append(np.repeat(centres, per_cell, axis=0))
    return np.concatenate(out)


def decode_palms(raw_boxes: np.ndarray, raw_scores: np.ndarray, anchors: np.ndarray,
                 threshold: float = PALM_SCORE_THRESHOLD) -> list[PalmDetection]:
    """Decode the palm model's outputs (``TensorsToDetectionsCalculator`` with palm options).

    Args:
        raw_boxes: [2016, 18] float: box offsets ``x, y, w, h`` then 7 keypoint offsets ``x, y``, in model px.
        raw_scores: [2016] or [2016, 1] logits.
        anchors: [2016, 2] from :func:`palm_anchors`.
        threshold: minimum score.

    Returns:
        Detections above the threshold, in anchor order (not yet suppressed).
    """
    raw_boxes = np.asarray(raw_boxes, dtype=np.float64).reshape(-1, 18)
    scores = 1.0 / (1.0 + np.exp(-np.clip(np.asarray(raw_scores, dtype=np.float64).reshape(-1), -_SCORE_CLIP, _SCORE_CLIP)))
    keep = np.flatnonzero(scores > threshold)
    out = []
    for i in keep:
        r = raw_boxes[i] / PALM_INPUT
        box = np.array([r[0] + anchors[i, 0], r[1] + anchors[i, 1], r[2], r[3]])
        kps = r[4:].reshape(7, 2) + anchors[i]
        out.append(PalmDetection(float(scores[i]), box, kps))
    return out


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of two ``(xc, yc, w, h)`` boxes."""
    ax0, ay0, ax1, ay1 = a[0] - a[2] / 2, a[1] - a[3] / 2, a[0] + a[2] / 2, a[1] + a[3] / 2
    bx0, by0, bx1, by1 = b[0] - b[2] / 2, b[1] - b[3] / 2, b[0] + b[2] / 2, b[1] + b[3] / 2
    iw, ih = max(0.0, min(ax1, bx1) - max(ax0, bx0)), max(0.0, min(ay1, by1) - max(ay0, by0))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def weighted_nms(detections: list[PalmDetection], iou_threshold: float = PALM_NMS_IOU) -> list[PalmDetection]:
    """MediaPipe's WEIGHTED non-maximum suppression: best first, each cluster (IoU > threshold with
    its best) averaged by score in box and keypoints, keeping the best's score."""
    remaining = sorted(detections, key=lambda d: -d.score)
    out = []
    while remaining:
        best = remaining[0]
        cluster = [d for d in remaining if _iou(best.box, d.box) > iou_threshold]
        rest = [d for d in remaining if _iou(best.box, d.box) <= iou_threshold and d is not best]
        w = np.array([d.score for d in cluster])
        box = sum(d.box * s for d, s in zip(cluster, w)) / w.sum()
        kps = sum(d.keypoints * s for d, s in zip(cluster, w)) / w.sum()
        out.append(PalmDetection(best.score, box, kps))
        remaining = rest
    return out


def palm_roi(palm_box_px: np.ndarray, wrist_px: np.ndarray, middle_mcp_px: np.ndarray) -> tuple[float, float, float, float]:
    """The hand region of a palm (``DetectionsToRectsCalculator`` + ``RectTransformationCalculator``).

    Args:
        palm_box_px: ``(x_center, y_center, w, h)`` of the palm, frame px (continuous coordinates).
        wrist_px, middle_mcp_px: keypoints 0 and 2, frame px.

    Returns:
        ``(cx, cy, side, angle)``: centre and side of the rotated square, frame px (continuous
        coordinates), angle in radians (0: fingers up; positive turns the region clockwise on screen).
    """
    dx, dy = middle_mcp_px[0] - wrist_px[0], middle_mcp_px[1] - wrist_px[1]
    angle = math.pi / 2 - math.atan2(-dy, dx)
    angle = angle - 2 * math.pi * math.floor((angle + math.pi) / (2 * math.pi))
    cx, cy, w, h = (float(v) for v in palm_box_px)
    cx += -h * ROI_SHIFT_Y * math.sin(angle)
    cy += h * ROI_SHIFT_Y * math.cos(angle)
    return cx, cy, max(w, h) * ROI_SCALE, angle


def _continuous_to_pixel_centre(matrix: np.ndarray) -> np.ndarray:
    """An affine between continuous coordinates -> the same map between pixel-centre coordinates."""
    m = np.array(matrix, dtype=np.float64)
    m[:, 2] += m[:, :2] @ np.array([0.5, 0.5]) - 0.5
    return m


def _region_to_frame(cx: float, cy: float, side: float, angle: float, size: int) -> np.ndarray:
    """[2, 3] affine: crop (continuous, side ``size``) -> frame (continuous) of a rotated square."""
    c, s = math.cos(angle), math.sin(angle)
    a = (side / size) * np.array([[c, -s], [s, c]])
    return np.concatenate([a, (np.array([cx, cy]) - a @ np.array([size / 2, size / 2]))[:, None]], axis=1)


class HandDetector:
    """Palm detection + hand landmarks on LiteRT (CPU).

    Args:
        palm_model: path of ``palm_detection_full.tflite``.
        landmark_model: path of ``hand_landmark_full.tflite``.
        threads: interpreter threads.
        mirrored_input: frames are mirrored (selfie preview); flips the handedness reading.

    Raises:
        HandDetectorUnavailable: ``ai-edge-litert`` is missing or a model cannot be loaded.
    """

    def __init__(self, palm_model: Path, landmark_model: Path, *, threads: int = 1, mirrored_input: bool = False) -> None:
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError:
            raise HandDetectorUnavailable("ai-edge-litert is not installed (pip install ai-edge-litert)") from None
        try:
            self._palm = Interpreter(model_path=str(palm_model), num_threads=threads)
            self._landmark = Interpreter(model_path=str(landmark_model), num_threads=threads)
            self._palm.allocate_tensors()
            self._landmark.allocate_tensors()
        except (ValueError, RuntimeError) as err:
            raise HandDetectorUnavailable(f"LiteRT cannot load the MediaPipe models: {err}") from None
        self._anchors = palm_anchors()
        self.mirrored_input = mirrored_input
        #: best palm score of the last :meth:`detect` call, over all anchors (for "no hand found" messages).
        self.last_best_palm_score = 0.0

    @staticmethod
    def _run(interpreter, x: np.ndarray) -> dict[str, np.ndarray]:
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
        interpreter.invoke()
        return {d["name"]: np.array(interpreter.get_tensor(d["index"])) for d in interpreter.get_output_details()}

    def _raw_palm(self, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Palm model on the letterboxed frame: (boxes [2016, 18], logits [2016, 1], frame -> input affine, continuous)."""
        h, w = frame.shape[:2]
        scale = min(PALM_INPUT / w, PALM_INPUT / h)
        to_input = np.array([[scale, 0, (PALM_INPUT - w * scale) / 2], [0, scale, (PALM_INPUT - h * scale) / 2]])
        x = warp_affine(frame, _continuous_to_pixel_centre(to_input), PALM_INPUT, PALM_INPUT) / 255.0
        outs = self._run(self._palm, x[None].astype(np.float32))
        boxes = next(v for v in outs.values() if v.shape[-1] == 18)
        scores = next(v for v in outs.values() if v.shape[-1] == 1)
        return boxes[0], scores[0], to_input

    def detect_palms(self, frame: np.ndarray) -> tuple[list[PalmDetection], np.ndarray, float]:
        """Palms in ``frame`` ([H, W, 3] uint8 RGB), best first, with the model-input -> frame affine
        (continuous coordinates) and the best score over all anchors (also below the threshold)."""
        boxes, scores, to_input = self._raw_palm(frame)
        best = float(1.0 / (1.0 + np.exp(-np.clip(scores.max(), -_SCORE_CLIP, _SCORE_CLIP))))
        return weighted_nms(decode_palms(boxes, scores, self._anchors)), invert_affine(to_input), best

    def landmarks(self, frame: np.ndarray, region: tuple[float, float, float, float]) -> tuple[np.ndarray, float, float]:
        """Hand landmarks in a rotated square region (frame continuous px): ([21, 3] frame continuous px + z, presence, raw handedness)."""
        to_frame = _region_to_frame(*region, LANDMARK_INPUT)
        x = warp_affine(frame, _continuous_to_pixel_centre(invert_affine(to_frame)), LANDMARK_INPUT, LANDMARK_INPUT) / 255.0
        outs = self._run(self._landmark, x[None].astype(np.float32))
        names = sorted(outs)  # Identity (landmarks), Identity_1 (presence), Identity_2 (handedness), Identity_3 (world)
        lm = outs[names[0]].reshape(21, 3).astype(np.float64)
        pts = apply_affine(to_frame, lm[:, :2])
        return np.concatenate([pts, lm[:, 2:] / LANDMARK_INPUT], axis=1), float(outs[names[1]].ravel()[0]), float(outs[names[2]].ravel()[0])

    def detect(self, frame: np.ndarray) -> list[HandDetection]:
        """Every hand found in ``frame`` ([H, W, 3] uint8 RGB), best palm score first."""
        frame = np.asarray(frame)
        if frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError(f"frame must be [H, W, 3] RGB, got shape {list(frame.shape)}")
        out = []
        palms, to_frame, self.last_best_palm_score = self.detect_palms(frame)
        for palm in palms:
            box_c = apply_affine(to_frame, palm.box[:2] * PALM_INPUT)
            size = (palm.box[2:] * PALM_INPUT) * to_frame[0, 0]
            kps = apply_affine(to_frame, palm.keypoints * PALM_INPUT)
            region = palm_roi(np.array([*box_c, *size]), kps[0], kps[2])
            landmarks, presence, raw_hand = self.landmarks(frame, region)
            if presence <= PRESENCE_THRESHOLD:
                continue
            landmarks[:, :2] -= 0.5  # continuous -> pixel-centre coordinates
            right = raw_hand > 0.5 if not self.mirrored_input else raw_hand <= 0.5
            lo, hi = landmarks[:, :2].min(axis=0), landmarks[:, :2].max(axis=0)
            out.append(HandDetection(
                box=(float(lo[0]), float(lo[1]), float(hi[0] - lo[0]), float(hi[1] - lo[1])),
                handedness="right" if right else "left", handedness_score=float(max(raw_hand, 1 - raw_hand)),
                palm_score=palm.score, presence=presence, landmarks=landmarks,
                region=(region[0] - 0.5, region[1] - 0.5, region[2], region[3])))
        return out


def load_hand_detector(*, cache: Path | None = None, download: bool = True, threads: int = 1,
                       mirrored_input: bool = False) -> HandDetector:
    """A :class:`HandDetector` on the pinned MediaPipe models (fetched and cached on first use).

    Raises:
        HandDetectorUnavailable: the models cannot be had (no network, changed file) or LiteRT is missing;
            the message says which, in one sentence.
    """
    from mobrecon.pipeline.mediapipe_assets import HAND_LANDMARK_FULL, PALM_DETECTION_FULL, fetch_assets

    got = fetch_assets([PALM_DETECTION_FULL, HAND_LANDMARK_FULL], cache=cache, download=download)
    for name, fetched in got.items():
        if fetched.path is None:
            raise HandDetectorUnavailable(f"MediaPipe model {name} is not available: {fetched.reason}")
    return HandDetector(got[PALM_DETECTION_FULL.file_name].path, got[HAND_LANDMARK_FULL.file_name].path,
                        threads=threads, mirrored_input=mirrored_input)
