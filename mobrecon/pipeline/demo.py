"""``mobrecon demo``: one photo -> overlay PNG, camera-space mesh (.obj, metres) and a JSON of the numbers.

Usage::

    from mobrecon.pipeline.demo import run_demo

    result = run_demo("photo.jpg", box="120,80,200,240", out="demo-out")   # DemoResult
    print(result.format())

Files (written to temporary names, then renamed): ``<name>.overlay.png`` (the frame with the mesh
wireframe projected into it and the 21 joints), ``<name>.obj`` (vertices in camera space,
metres: x right, y down, z forward; faces of the topology, wound for the hand's side) and
``<name>.json``. Images are read and written with Pillow (the ``app`` extra); the pipeline itself
works on numpy arrays. Without an image the demo runs on :func:`mobrecon.pipeline.sample_image.drawn_hand`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from mobrecon.files import write_bytes_atomic
from mobrecon.pipeline.errors import BadBox, ImageReadError
from mobrecon.pipeline.hand import HandPipeline, HandResult, check_box, default_intrinsics
from mobrecon.pipeline.outputs import MPII_BONES
from mobrecon.pipeline.runner import LoadedModel, load_crop_model

__all__ = ["DemoResult", "read_image", "parse_box", "draw_overlay", "obj_text", "run_demo"]


def read_image(path: str | os.PathLike) -> np.ndarray:
    """An image file as [H, W, 3] uint8 RGB (EXIF orientation applied).

    Raises:
        ImageReadError: missing or not an image Pillow can decode.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise ImageReadError(f"image {path} does not exist")
    try:
        with Image.open(path) as img:
            return np.asarray(ImageOps.exif_transpose(img).convert("RGB"), dtype=np.uint8).copy()
    except (UnidentifiedImageError, OSError, ValueError) as err:
        raise ImageReadError(f"{path} cannot be read as an image ({type(err).__name__})") from None


def parse_box(text: str) -> tuple[float, float, float, float]:
    """``"X,Y,W,H"`` (pixels) -> a 4-tuple.

    Raises:
        BadBox: not four comma-separated numbers.
    """
    parts = [p.strip() for p in str(text).split(",")]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != 4 or not np.all(np.isfinite(values)):
        raise BadBox(f"--box takes four numbers X,Y,W,H in pixels (top-left corner, width, height), got {text!r}")
    return values  # type: ignore[return-value]


def draw_overlay(frame: np.ndarray, verts_px: np.ndarray, faces: np.ndarray, joints_px: np.ndarray,
                 box: tuple[float, float, float, float], caption: str) -> np.ndarray:
    """The frame with the mesh wireframe, the 21 joints and bones (MPII order), the hand box and a caption.

    Args:
        frame: [H, W, 3] uint8 RGB.
        verts_px: [N, 2] projected vertices, frame px.
        faces: [F, 3] vertex indices.
        joints_px: [21, 2] projected joints, frame px.
        box: hand box ``(x, y, w, h)``.
        caption: one line drawn at the top (e.g. the untrained label).

    Returns:
        [H, W, 3] uint8 RGB.
    """
    from PIL import Image, ImageDraw

    img = Image.fromarray(np.asarray(frame, dtype=np.uint8))
    draw = ImageDraw.Draw(img, "RGBA")
    x, y, w, h = box
    draw.rectangle([x, y, x + w, y + h], outline=(255, 220, 0, 255), width=2)
    edges = np.unique(np.sort(np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]), axis=1), axis=0)
    finite = np.isfinite(verts_px).all(axis=1)
    for a, b in edges:
        if finite[a] and finite[b]:
            draw.line([tuple(verts_px[a]), tuple(verts_px[b])], fill=(80, 200, 255, 150), width=1)
    for a, b in MPII_BONES:
        draw.line([tuple(joints_px[a]), tuple(joints_px[b])], fill=(255, 60, 60, 255), width=2)
    for px, py in joints_px:
        draw.ellipse([px - 3, py - 3, px + 3, py + 3], fill=(255, 255, 255, 255), outline=(200, 0, 0, 255))
    draw.rectangle([0, 0, img.width, 14], fill=(0, 0, 0, 170))
    draw.text((4, 1), caption, fill=(255, 255, 255, 255))
    return np.asarray(img, dtype=np.uint8)


def obj_text(verts: np.ndarray, faces: np.ndarray, comments: list[str], flip_winding: bool = False) -> str:
    """Wavefront OBJ text: ``v x y z`` (metres) and 1-based ``f`` lines; ``flip_winding`` reverses each face."""
    f = faces[:, ::-1] if flip_winding else faces
    lines = [f"# {c}" for c in comments]
    lines += [f"v {x:.6f} {y:.6f} {z:.6f}" for x, y, z in verts]
    lines += [f"f {a + 1} {b + 1} {c + 1}" for a, b, c in f]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, eq=False)
class DemoResult:
    """What :func:`run_demo` did.

    Attributes:
        hand: the pipeline result.
        model_label: what the weights and mesh are (says UNTRAINED / SYNTHETIC where so).
        untrained: the weights are seeded random ones.
        image: the image path, or the generated image's description.
        files: overlay PNG, OBJ and JSON paths written.
        report: the JSON content.
    """

    hand: HandResult
    model_label: str
    untrained: bool
    image: str
    files: tuple[Path, Path, Path]
    report: dict

    def format(self) -> str:
        h, reg = self.hand, self.hand.registration
        t = reg.t
        lines = [f"model    {self.model_label}",
                 f"image    {self.image}",
                 f"hand     {h.handedness}, box ({', '.join(f'{v:.1f}' for v in h.box)}) px from {h.box_source}",
                 f"t        ({t[0]:.4f}, {t[1]:.4f}, {t[2]:.4f}) m after {reg.rounds} round(s) on {int(reg.used.sum())} joints, "
                 f"rms reprojection {reg.rms_px:.2f} px{' (t_z on its bound)' if reg.z_at_bound else ''}"]
        if self.untrained:
            lines.append("note     UNTRAINED weights: the mesh and joints are not a prediction of this hand")
        lines += [f"wrote    {p}" for p in self.files]
        return "\n".join(lines)


def _report(hand: HandResult, loaded: LoadedModel, image: str) -> dict:
    det = hand.detection.to_dict() if hand.detection is not None else None
    return {
        "format": "mobrecon-demo/1",
        "model": loaded.label, "untrained": loaded.untrained, "topology_synthetic": loaded.topology.is_synthetic,
        "runtime": loaded.model.runtime, "checks": list(loaded.notes), "image": image,
        "box_xywh_px": list(hand.box), "box_source": hand.box_source, "handedness": hand.handedness, "mediapipe": det,
        "crop": {"matrix_frame_to_crop": hand.crop.matrix.tolist(), "mirrored": hand.crop.mirrored, "size_px": hand.crop.size},
        "k_frame": hand.k_frame.tolist(), "k_crop": hand.k_crop.tolist(),
        "registration": hand.registration.to_dict(),
        "joints_order": "FreiHAND/MPII (wrist, thumb 0-3, index 0-3, middle 0-3, ring 0-3, little 0-3)",
        "joints_camera_m": hand.joints_camera.tolist(),
        "joints_frame_px": hand.joints_frame_px().tolist(),
        "uv_predicted_frame_px": hand.uv_frame_px.tolist(),
        "units": "metres in camera space (x right, y down, z forward); px in the frame, pixel centres at integers",
    }


def run_demo(image: str | os.PathLike | None = None, *, checkpoint: Path | None = None, template: Path | None = None,
             artifact: Path | None = None, box: str | tuple[float, float, float, float] | None = None,
             handedness: str = "right", out: str | os.PathLike = "demo-out", focal: float | None = None,
             detector_factory: Callable[[], object] | None = None, loaded: LoadedModel | None = None) -> DemoResult:
    """Photo to overlay, mesh and JSON.

    Args:
        image: image file; None draws :func:`~mobrecon.pipeline.sample_image.drawn_hand`.
        checkpoint, template, artifact: the model (:func:`mobrecon.pipeline.runner.load_crop_model`).
        box: ``"X,Y,W,H"`` or a tuple (frame px) to skip detection; None runs MediaPipe.
        handedness: side of a given ``box`` (``right`` / ``left``); MediaPipe decides otherwise.
        out: output folder.
        focal: focal length in px (default: the longer image side, :func:`~mobrecon.pipeline.hand.default_intrinsics`).
        detector_factory: builds the hand detector (tests); default MediaPipe.
        loaded: an already loaded model to reuse (then ``checkpoint``, ``template``, ``artifact`` are unused).

    Raises:
        MobReconError: one sentence (unreadable image, bad box, no hand found, detector unavailable,
            artifact and template disagree, bad checkpoint or template).
    """
    if image is None:
        from mobrecon.pipeline.sample_image import drawn_hand

        frame, _ = drawn_hand()
        label, stem = "generated image (drawn right hand, mobrecon.pipeline.sample_image.drawn_hand)", "drawn_hand"
    else:
        frame, label, stem = read_image(image), str(image), Path(image).stem
    parsed = parse_box(box) if isinstance(box, str) else box
    if parsed is not None:
        parsed = check_box(parsed, frame.shape[1], frame.shape[0])
    if handedness not in ("right", "left"):
        raise BadBox(f"--handedness must be right or left, got {handedness!r}")
    if loaded is None:
        loaded = load_crop_model(checkpoint=checkpoint, template=template, artifact=artifact)
    pipeline = HandPipeline(loaded, detector_factory=detector_factory)
    k = default_intrinsics(frame.shape[1], frame.shape[0], focal)
    hand = pipeline.run(frame, k, box=parsed, handedness=handedness)
    overlay = draw_overlay(frame, hand.verts_frame_px(), loaded.topology.faces[0], hand.joints_frame_px(), hand.box, loaded.label)
    report = _report(hand, loaded, label)
    out = Path(out)
    paths = (out / f"{stem}.overlay.png", out / f"{stem}.obj", out / f"{stem}.json")
    from io import BytesIO

    from PIL import Image

    buf = BytesIO()
    Image.fromarray(overlay).save(buf, format="PNG")
    comments = ["mobrecon demo: hand mesh in camera space, metres (x right, y down, z forward)", loaded.label]
    if loaded.untrained:
        comments.append("UNTRAINED weights: not a prediction of the hand in the image")
    write_bytes_atomic(paths[0], buf.getvalue())
    write_bytes_atomic(paths[1], obj_text(hand.verts_camera, loaded.topology.faces[0], comments, flip_winding=hand.crop.mirrored).encode())
    write_bytes_atomic(paths[2], (json.dumps(report, indent=2) + "\n").encode())
    return DemoResult(hand, loaded.label, loaded.untrained, label, paths, report)
