"""A generated test photo: an open right hand, seen from the back (fingernails visible), drawn with Pillow.

Usage::

    from mobrecon.pipeline.sample_image import drawn_hand

    frame, box = drawn_hand()          # [480, 640, 3] uint8 RGB, the drawn hand's box (x, y, w, h) px

The drawing is flat shapes (the back of the hand, five fingers of rounded segments with
fingernails, skin tones with a darker outline and knuckle creases) on a soft background; it is a
stand-in for a camera frame, not a rendering of a hand model. A flat silhouette of a right palm
is the same as that of a left hand's back, so the nails say which side faces the camera (the
thumb is on the viewer's right). It needs Pillow (the ``app`` extra).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["drawn_hand"]

_SKIN = (222, 170, 138)
_SHADE = (196, 138, 108)
_OUTLINE = (150, 98, 74)
_NAIL = (236, 206, 196)


def _capsule(draw, a: tuple[float, float], b: tuple[float, float], radius: float, fill, outline) -> None:
    draw.line([a, b], fill=outline, width=int(2 * radius + 4))
    for p in (a, b):
        draw.ellipse([p[0] - radius - 2, p[1] - radius - 2, p[0] + radius + 2, p[1] + radius + 2], fill=outline)
    draw.line([a, b], fill=fill, width=int(2 * radius))
    for p in (a, b):
        draw.ellipse([p[0] - radius, p[1] - radius, p[0] + radius, p[1] + radius], fill=fill)


def _nail(draw, base: tuple[float, float], tip: tuple[float, float], radius: float) -> None:
    """A fingernail on the last segment, from 45% of the way to the tip up to just short of it."""
    mx, my = base[0] + 0.45 * (tip[0] - base[0]), base[1] + 0.45 * (tip[1] - base[1])
    r = 0.62 * radius
    draw.line([(mx, my), tip], fill=_NAIL, width=max(1, int(2 * r)))
    draw.ellipse([tip[0] - r, tip[1] - r, tip[0] + r, tip[1] + r], fill=_NAIL)
    draw.ellipse([mx - r, my - r, mx + r, my + r], fill=_NAIL)


def drawn_hand(width: int = 640, height: int = 480, scale: float = 0.3) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """Draw an open right hand seen from the back, fingers up, in the middle of the frame.

    Args:
        width, height: frame size, px.
        scale: hand height (fingertip to forearm end) as a fraction of the frame height.

    Returns:
        (frame [height, width, 3] uint8 RGB, box ``(x, y, w, h)`` of the drawn hand in px).
    """
    from PIL import Image, ImageDraw

    ys = np.linspace(0, 1, height)[:, None, None]
    xs = np.linspace(0, 1, width)[None, :, None]
    top, bottom = np.array([176, 190, 204]), np.array([92, 104, 118])
    bg = top * (1 - ys) + bottom * ys + 10 * (xs - 0.5)
    img = Image.fromarray(np.clip(np.broadcast_to(bg, (height, width, 3)), 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    u = height * scale / 360.0  # drawing units: the hand is 360 units tall
    cx, cy = width / 2, height / 2 + 60 * u

    def pt(x: float, y: float) -> tuple[float, float]:  # drawn thumb-left, then mirrored: the back of a right hand
        return cx - x * u, cy + y * u

    # forearm and palm
    _capsule(draw, pt(0, 150), pt(0, 90), 34 * u, _SHADE, _OUTLINE)
    palm = [pt(-52, 80), pt(-62, 10), pt(-58, -50), pt(-30, -62), pt(30, -62), pt(56, -52), pt(60, 0), pt(46, 80)]
    draw.polygon(palm, fill=_OUTLINE)
    inner = [pt(-49, 77), pt(-59, 10), pt(-55, -47), pt(-29, -59), pt(29, -59), pt(53, -49), pt(57, 0), pt(43, 77)]
    draw.polygon(inner, fill=_SKIN)
    # fingers (from the viewer's left: right hand palm-side -> thumb on the viewer's left)
    fingers = [(-40, -58, 82, -8.0, 11.0), (-13, -62, 98, -2.5, 11.5), (14, -62, 92, 3.0, 11.0), (39, -54, 72, 9.0, 10.0)]
    for x0, y0, length, tilt_deg, r in fingers:
        a = math.radians(tilt_deg)
        joints = [pt(x0 + math.sin(a) * length * f, y0 - math.cos(a) * length * f) for f in (0.0, 0.45, 0.75, 1.0)]
        for p, q in zip(joints, joints[1:]):
            _capsule(draw, p, q, r * u, _SKIN, _OUTLINE)
        for p in joints[1:3]:
            draw.line([(p[0] - r * u * 0.7, p[1]), (p[0] + r * u * 0.7, p[1])], fill=_SHADE, width=max(1, int(2 * u)))
        _nail(draw, joints[2], joints[3], r * u)
    thumb = [pt(-44, 40), pt(-78, 8), pt(-100, -22), pt(-112, -46)]
    for p, q in zip(thumb, thumb[1:]):
        _capsule(draw, p, q, 13 * u, _SKIN, _OUTLINE)
    _nail(draw, thumb[2], thumb[3], 13 * u)
    xa, ya = pt(-112 - 15, -62 - 98 - 14)
    xb, yb = pt(60 + 3, 150 + 36)
    x0, x1, y0, y1 = min(xa, xb), max(xa, xb), ya, yb
    return np.asarray(img, dtype=np.uint8).copy(), (x0, y0, x1 - x0, y1 - y0)
