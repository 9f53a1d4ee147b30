"""The reference's input crop: a square box around the hand, x1.3, warped to 128 x 128 by a 2 x 3 affine.

Usage::

    from mobrecon.pipeline.crop import crop_transform, warp_affine, model_input

    tf = crop_transform((x, y, w, h), mirrored=False)          # CropTransform
    crop = warp_affine(frame, tf.matrix, 128, 128)             # [128, 128, 3] float32, 0..255
    image = model_input(crop)                                   # [1, 3, 128, 128] float32 in [-1, 1]
    uv_frame = tf.crop_to_frame(uv_crop_px)                     # back to frame pixels

Conventions (shared with the test vectors in ``tests/vectors/pipeline/``):

- **Pixel centres at integer coordinates** (OpenCV's ``warpAffine`` convention): pixel ``(row r,
  column c)`` is the point ``(x=c, y=r)``; it covers ``[c - 0.5, c + 0.5]``. A hand box
  ``(x, y, w, h)`` has its centre at ``(x + w/2, y + h/2)`` in these coordinates, as in the reference.
- **Matrices** are ``[2, 3]`` float64, row-major, mapping a column ``(x, y, 1)``: ``matrix`` maps
  frame pixels to crop pixels, ``inverse`` crop pixels to frame pixels.
- The crop follows HandMesh ``utils/preprocessing.py`` (``gen_trans_from_patch_cv`` with no
  rotation or shift, ``base_scale`` 1.3, as ``mobrecon/datasets/freihand.py`` evaluates): the square
  box of side ``max(w, h)`` around the box centre, scaled by 1.3, goes to the 128-px crop with the
  box centre at crop pixel ``(64, 64)`` (not the crop's geometric centre 63.5: the reference's
  choice, kept because the network was trained on it). ``s = 128 / (1.3 max(w, h))`` crop px per
  frame px: ``x_crop = s (x - cx) + 64``.
- **Mirroring** (left hands; the network knows right hands only): the reference flips the frame
  (``x -> W - 1 - x``) and moves the box centre with it; composed, that is the reflection about the
  box centre, ``x_crop = 64 - s (x - cx)``, independent of the frame width. Outputs come back with
  :meth:`CropTransform.unmirror_uv` (``x -> 128 - x``) and ``x -> -x`` on 3D points
  (:func:`mobrecon.pipeline.outputs.unmirror_points`).
- **Sampling**: bilinear, pixels outside the frame read as 0 (``cv2.warpAffine`` with
  ``INTER_LINEAR``, ``BORDER_CONSTANT``, value 0). :func:`warp_affine` computes in float64 and
  returns float32, not rounded; OpenCV works in fixed point and rounds its uint8 output. Measured
  (``tests/mobrecon/pipeline/measure_pipeline.py``, 40 boxes): at most 0.51 grey levels on smooth
  uint8 frames (the rounding), at most 0.01 (of 255) on float32 white noise; the tests hold
  0.6 and 0.05.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CROP_SIZE", "BOX_SCALE", "CropTransform", "square_box", "crop_transform", "invert_affine",
           "apply_affine", "warp_affine", "model_input", "crop_intrinsics", "crop_transform_from_square"]

#: Side of the network input in pixels.
CROP_SIZE = 128
#: The reference's box enlargement (``DATA.FREIHAND.BASE_SCALE``).
BOX_SCALE = 1.3


def invert_affine(matrix: np.ndarray) -> np.ndarray:
    """Inverse of a ``[2, 3]`` affine (as ``cv2.invertAffineTransform``): ``[2, 3]`` float64."""
    m = np.asarray(matrix, dtype=np.float64)
    a = m[:, :2]
    inv_a = np.linalg.inv(a)
    return np.concatenate([inv_a, -inv_a @ m[:, 2:]], axis=1)


def apply_affine(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Map ``[..., 2]`` points ``(x, y)`` through a ``[2, 3]`` affine: ``[..., 2]`` float64."""
    m = np.asarray(matrix, dtype=np.float64)
    p = np.asarray(points, dtype=np.float64)
    return p @ m[:, :2].T + m[:, 2]


def square_box(box: tuple[float, float, float, float]) -> tuple[float, float, float]:
    """Centre and side of the square around a hand box, as the reference makes it.

    Args:
        box: ``(x, y, w, h)`` frame pixels (pixel-centre coordinates), w, h > 0.

    Returns:
        ``(cx, cy, side)``: centre ``(x + w/2, y + h/2)`` and ``side = max(w, h)``, frame pixels.
    """
    x, y, w, h = (float(v) for v in box)
    return x + 0.5 * w, y + 0.5 * h, max(w, h)


@dataclass(frozen=True, eq=False)
class CropTransform:
    """Frame <-> crop mapping of one hand.

    Attributes:
        matrix: [2, 3] float64, frame px -> crop px (of the crop as warped, mirrored or not).
        inverse: [2, 3] float64, crop px -> frame px.
        mirrored: True when the crop is the mirror image (left hand).
        center: box centre ``(cx, cy)``, frame px.
        side: square box side before the 1.3 enlargement, frame px.
        scale: crop px per frame px, ``size / (box_scale * side)``.
        size: crop side in px (128).
        box_scale: enlargement of the square box (1.3).
    """

    matrix: np.ndarray
    inverse: np.ndarray
    mirrored: bool
    center: tuple[float, float]
    side: float
    scale: float
    size: int
    box_scale: float = BOX_SCALE

    def frame_to_crop(self, points: np.ndarray) -> np.ndarray:
        """``[..., 2]`` frame px -> crop px (of this crop, mirrored if it is)."""
        return apply_affine(self.matrix, points)

    def crop_to_frame(self, points: np.ndarray) -> np.ndarray:
        """``[..., 2]`` crop px (of this crop, mirrored if it is) -> frame px."""
        return apply_affine(self.inverse, points)

    def unmirror_uv(self, uv_px: np.ndarray) -> np.ndarray:
        """``[..., 2]`` crop px of this crop -> crop px of the un-mirrored crop (``x -> size - x`` if mirrored)."""
        uv = np.array(uv_px, dtype=np.float64)
        if self.mirrored:
            uv[..., 0] = self.size - uv[..., 0]
        return uv

    @property
    def unmirrored(self) -> "CropTransform":
        """The same box without mirroring (the crop the un-mirrored outputs live in)."""
        if not self.mirrored:
            return self
        return crop_transform_from_square(self.center, self.side, mirrored=False, size=self.size, box_scale=self.box_scale)


def crop_transform_from_square(center: tuple[float, float], side: float, *, mirrored: bool = False,
                               size: int = CROP_SIZE, box_scale: float = BOX_SCALE) -> CropTransform:
    """:class:`CropTransform` of a square box given by centre and side (frame px)."""
    cx, cy = float(center[0]), float(center[1])
    if not (np.isfinite([cx, cy, side]).all() and side > 0):
        raise ValueError(f"a crop box needs a finite centre and a positive side, got centre {center}, side {side}")
    s = size / (box_scale * side)
    sx = -s if mirrored else s
    half = size / 2.0
    matrix = np.array([[sx, 0.0, half - sx * cx], [0.0, s, half - s * cy]], dtype=np.float64)
    return CropTransform(matrix=matrix, inverse=invert_affine(matrix), mirrored=mirrored, center=(cx, cy),
                         side=float(side), scale=s, size=size, box_scale=float(box_scale))


def crop_transform(box: tuple[float, float, float, float], *, mirrored: bool = False, size: int = CROP_SIZE,
                   box_scale: float = BOX_SCALE) -> CropTransform:
    """The reference's crop of a hand box.

    Args:
        box: ``(x, y, w, h)`` hand box, frame px, pixel-centre coordinates, w, h > 0.
        mirrored: mirror the crop (for a left hand).
        size: crop side in px.
        box_scale: enlargement of the square box (1.3 in the reference).

    Returns:
        The :class:`CropTransform` (``x_crop = +-s (x - cx) + size/2``, ``y_crop = s (y - cy) + size/2``).
    """
    cx, cy, side = square_box(box)
    return crop_transform_from_square((cx, cy), side, mirrored=mirrored, size=size, box_scale=box_scale)


def crop_intrinsics(k_frame: np.ndarray, transform: CropTransform) -> np.ndarray:
    """Pinhole intrinsics of the un-mirrored crop, as the reference builds its ``calib``.

    Focal lengths times ``scale``, the principal point mapped by the (un-mirrored) crop affine
    (HandMesh ``mobrecon/datasets/freihand.py``: ``focal * 128 / (bbox * 1.3)``, ``trans_point2d(princpt)``).

    Args:
        k_frame: [3, 3] frame intrinsics (fx, fy, cx, cy in frame px, pixel-centre coordinates).
        transform: the crop.

    Returns:
        [3, 3] float64 intrinsics in crop px of the un-mirrored crop.
    """
    k = np.asarray(k_frame, dtype=np.float64)
    tf = transform.unmirrored
    out = np.eye(3)
    out[0, 0] = k[0, 0] * tf.scale
    out[1, 1] = k[1, 1] * tf.scale
    out[0, 1] = k[0, 1] * tf.scale
    out[:2, 2] = tf.frame_to_crop(k[:2, 2])
    return out


def warp_affine(image: np.ndarray, matrix: np.ndarray, width: int, height: int, border_value: float = 0.0) -> np.ndarray:
    """Bilinear warp of ``image`` by a frame->output affine (``cv2.warpAffine`` with ``INTER_LINEAR``).

    Output pixel ``(x, y)`` samples the image at ``inverse(matrix) @ (x, y, 1)`` with pixel centres
    at integer coordinates; neighbours outside the image read as ``border_value``.

    Args:
        image: [H, W] or [H, W, C] array (uint8 or float), row-major.
        matrix: [2, 3] affine, image px -> output px.
        width, height: output size in px.
        border_value: value of pixels outside the image.

    Returns:
        [height, width, C] (or [height, width]) float32, same value range as ``image``, not rounded.
    """
    img = np.asarray(image)
    flat = img.ndim == 2
    if flat:
        img = img[..., None]
    if img.ndim != 3 or img.shape[0] == 0 or img.shape[1] == 0:
        raise ValueError(f"image must be [H, W] or [H, W, C] with H, W > 0, got shape {list(np.shape(image))}")
    h_in, w_in = img.shape[:2]
    inv = invert_affine(matrix)
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float64), np.arange(height, dtype=np.float64))
    sx = inv[0, 0] * xs + inv[0, 1] * ys + inv[0, 2]
    sy = inv[1, 0] * xs + inv[1, 1] * ys + inv[1, 2]
    x0f, y0f = np.floor(sx), np.floor(sy)
    fx, fy = sx - x0f, sy - y0f
    x0, y0 = x0f.astype(np.int64), y0f.astype(np.int64)
    out = np.zeros((height, width, img.shape[2]), dtype=np.float64)
    for dx, dy, weight in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)), (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
        xi, yi = x0 + dx, y0 + dy
        inside = (xi >= 0) & (xi < w_in) & (yi >= 0) & (yi < h_in)
        values = img[np.clip(yi, 0, h_in - 1), np.clip(xi, 0, w_in - 1)].astype(np.float64)
        out += np.where(inside[..., None], values, border_value) * weight[..., None]
    out = out.astype(np.float32)
    return out[..., 0] if flat else out


def model_input(crop: np.ndarray) -> np.ndarray:
    """[128, 128, 3] RGB crop, 0..255 -> [1, 3, 128, 128] float32 ``(pixel / 255 - 0.5) / 0.5`` in [-1, 1]."""
    c = np.asarray(crop, dtype=np.float32)
    if c.ndim != 3 or c.shape[2] != 3:
        raise ValueError(f"crop must be [H, W, 3] RGB, got shape {list(c.shape)}")
    return np.ascontiguousarray(((c / 255.0 - 0.5) / 0.5).transpose(2, 0, 1)[None], dtype=np.float32)
