"""The steps chained: frame -> hand box -> crop -> model -> un-mirror -> joints -> camera-space mesh.

Usage::

    from mobrecon.pipeline.hand import HandPipeline, default_intrinsics
    from mobrecon.pipeline.runner import load_crop_model

    pipe = HandPipeline(load_crop_model())                 # built-in default: untrained, synthetic mesh
    result = pipe.run(frame, default_intrinsics(w, h), box=(x, y, w, h), handedness="right")
    result.verts_camera, result.joints_camera              # metres, camera space (x right, y down, z forward)

Without ``box`` the hand box and handedness come from MediaPipe (:mod:`mobrecon.pipeline.handbox`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from mobrecon.pipeline.crop import CROP_SIZE, CropTransform, crop_intrinsics, crop_transform, model_input, warp_affine
from mobrecon.pipeline.errors import BadBox, NoHandFound
from mobrecon.pipeline.outputs import joints_mpii, unmirror_points, verts_metres
from mobrecon.pipeline.registration import Z_BOUNDS, Registration, project, register
from mobrecon.pipeline.runner import LoadedModel

__all__ = ["HandResult", "HandPipeline", "default_intrinsics", "check_box"]


def default_intrinsics(width: int, height: int, focal_px: float | None = None) -> np.ndarray:
    """Pinhole intrinsics for a photo without calibration: [3, 3] float64.

    ``focal_px`` defaults to the longer image side (about 53 degrees across it, near a phone's main
    camera); the principal point is the image centre ``((W - 1) / 2, (H - 1) / 2)`` in pixel-centre coordinates.
    """
    f = float(max(width, height) if focal_px is None else focal_px)
    return np.array([[f, 0.0, (width - 1) / 2.0], [0.0, f, (height - 1) / 2.0], [0.0, 0.0, 1.0]])


def check_box(box: tuple[float, float, float, float], width: int, height: int) -> tuple[float, float, float, float]:
    """A hand box ``(x, y, w, h)`` frame px, checked: finite, w and h > 0, overlapping the image.

    Raises:
        BadBox: naming what is wrong.
    """
    if len(box) != 4 or not np.all(np.isfinite(box)):
        raise BadBox(f"a hand box is four finite numbers X,Y,W,H in pixels, got {box}")
    x, y, w, h = (float(v) for v in box)
    if w <= 0 or h <= 0:
        raise BadBox(f"the hand box needs a positive width and height, got W={w:g}, H={h:g}")
    if x >= width or y >= height or x + w <= 0 or y + h <= 0:
        raise BadBox(f"the hand box ({x:g},{y:g},{w:g},{h:g}) lies outside the {width}x{height} image")
    return x, y, w, h


@dataclass(frozen=True, eq=False)
class HandResult:
    """One hand through the pipeline.

    Attributes:
        box: ``(x, y, w, h)`` hand box, frame px.
        handedness: ``"right"`` or ``"left"`` (left hands were mirrored for the network).
        box_source: ``"given"`` or ``"mediapipe"``.
        crop: the crop transform (mirrored for a left hand).
        k_frame: [3, 3] frame intrinsics used.
        k_crop: [3, 3] intrinsics of the un-mirrored crop.
        uv_crop_px: [21, 2] predicted 2D joints, un-mirrored crop px, MPII order.
        uv_frame_px: [21, 2] the same in frame px.
        verts_root_m: [N, 3] root-relative vertices, metres, un-mirrored.
        joints_root_m: [21, 3] regressed joints, metres, MPII order.
        registration: the camera-space fit.
        verts_camera: [N, 3] metres, camera space.
        joints_camera: [21, 3] metres, camera space, MPII order.
        detection: MediaPipe's detection, if it gave the box.
    """

    box: tuple[float, float, float, float]
    handedness: str
    box_source: str
    crop: CropTransform
    k_frame: np.ndarray
    k_crop: np.ndarray
    uv_crop_px: np.ndarray
    uv_frame_px: np.ndarray
    verts_root_m: np.ndarray
    joints_root_m: np.ndarray
    registration: Registration
    verts_camera: np.ndarray
    joints_camera: np.ndarray
    detection: object | None = None

    def verts_frame_px(self) -> np.ndarray:
        """[N, 2] camera-space vertices projected into the frame, px."""
        return project(self.verts_camera, self.k_frame)

    def joints_frame_px(self) -> np.ndarray:
        """[21, 2] camera-space joints projected into the frame, px."""
        return project(self.joints_camera, self.k_frame)


class HandPipeline:
    """Frame to camera-space mesh with one model.

    Args:
        loaded: the model and its topology (:func:`mobrecon.pipeline.runner.load_crop_model`).
        detector_factory: builds the hand detector on first need; default
            :func:`mobrecon.pipeline.handbox.load_hand_detector`.
        z_bounds: registration bounds on ``t_z`` (metres).
    """

    def __init__(self, loaded: LoadedModel, detector_factory: Callable[[], object] | None = None,
                 z_bounds: tuple[float, float] = Z_BOUNDS) -> None:
        if loaded.topology.joint_regressor is None:
            raise ValueError("the topology has no joint regressor: joints cannot be regressed from its mesh")
        self.loaded = loaded
        self.z_bounds = z_bounds
        self._detector_factory = detector_factory
        self._detector = None

    def detector(self):
        """The hand detector, built on first use (raises :class:`HandDetectorUnavailable`)."""
        if self._detector is None:
            if self._detector_factory is None:
                from mobrecon.pipeline.handbox import load_hand_detector

                self._detector_factory = load_hand_detector
            self._detector = self._detector_factory()
        return self._detector

    def find_hand(self, frame: np.ndarray):
        """The best MediaPipe detection in ``frame``.

        Raises:
            NoHandFound: with the best palm score seen.
        """
        detector = self.detector()
        hands = detector.detect(frame)
        if not hands:
            best = getattr(detector, "last_best_palm_score", float("nan"))
            raise NoHandFound(f"no hand found in the image (MediaPipe palm detection: best score {best:.2f}, needs > 0.5, "
                              "or the landmark model saw no hand); pass --box X,Y,W,H to skip detection")
        return hands[0]

    def run(self, frame: np.ndarray, k_frame: np.ndarray, box: tuple[float, float, float, float] | None = None,
            handedness: str = "right") -> HandResult:
        """Run every step on one frame.

        Args:
            frame: [H, W, 3] uint8 RGB.
            k_frame: [3, 3] intrinsics in frame px (:func:`default_intrinsics` when unknown).
            box: ``(x, y, w, h)`` hand box in frame px; None asks MediaPipe (box and handedness).
            handedness: ``"right"`` or ``"left"`` for a given box.

        Raises:
            NoHandFound, HandDetectorUnavailable, BadBox: one-sentence errors.
        """
        frame = np.asarray(frame)
        if frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError(f"frame must be [H, W, 3] RGB, got shape {list(frame.shape)}")
        detection = None
        if box is None:
            detection = self.find_hand(frame)
            box, handedness = detection.box, detection.handedness
        if handedness not in ("right", "left"):
            raise ValueError(f"handedness must be 'right' or 'left', got {handedness!r}")
        box = check_box(box, frame.shape[1], frame.shape[0])
        tf = crop_transform(box, mirrored=handedness == "left")
        crop = warp_affine(frame, tf.matrix, CROP_SIZE, CROP_SIZE)
        verts_units, uv_units = self.loaded.model(model_input(crop))
        uv_px = tf.unmirror_uv(uv_units * CROP_SIZE)
        verts = verts_metres(verts_units)
        if tf.mirrored:
            verts = unmirror_points(verts)
        xyz = joints_mpii(verts, self.loaded.topology.joint_regressor)
        k_frame = np.asarray(k_frame, dtype=np.float64)
        k_crop = crop_intrinsics(k_frame, tf)
        reg = register(xyz, uv_px, k_crop, z_bounds=self.z_bounds)
        return HandResult(box=box, handedness=handedness, box_source="given" if detection is None else "mediapipe", crop=tf,
                          k_frame=k_frame, k_crop=k_crop, uv_crop_px=uv_px, uv_frame_px=tf.unmirrored.crop_to_frame(uv_px),
                          verts_root_m=verts, joints_root_m=xyz, registration=reg, verts_camera=verts + reg.t,
                          joints_camera=xyz + reg.t, detection=detection)
