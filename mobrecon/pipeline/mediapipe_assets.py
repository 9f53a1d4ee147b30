"""Files from the pinned ``mediapipe`` wheel on PyPI, each checked against its own pinned sha256 and cached.

Usage::

    from mobrecon.pipeline.mediapipe_assets import fetch_asset, PALM_DETECTION_FULL

    got = fetch_asset(PALM_DETECTION_FULL)     # Fetched(path=...) or Fetched(None, reason="...")

MediaPipe ships its models inside its wheel (``mediapipe/modules/...``). Nothing here imports
``mediapipe``: :func:`fetch_asset` returns the cached copy under
``<cache>/mediapipe-<version>/<file name>`` when its sha256 is the pinned one; otherwise it takes
the member out of a wheel given by the caller, or runs
``python -m pip download mediapipe==<version> --no-deps`` into a temporary folder (the ordinary
PyPI client; any platform tag carries the same model files), extracts every pinned member that
is not yet cached in one go, and checks each against :data:`ASSETS`. The sha256 is checked every
time a file is used, cached or not: a changed file is never used. Failure (no network, no pip, a
changed file) is a :class:`Fetched` with a one-sentence reason, never an exception.

The sha256 values below were measured on ``mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl``
downloaded from PyPI. The benchmark peer (``mobrecon_bench.running.mediapipe_peer``) runs
``hand_landmark_full.tflite`` fetched here.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from mobrecon.files import sha256_file, write_bytes_atomic

__all__ = [
    "MEDIAPIPE_VERSION", "Asset", "ASSETS", "PALM_DETECTION_FULL", "HAND_LANDMARK_FULL", "HANDEDNESS_LABELS",
    "Fetched", "cache_dir", "fetch_asset", "fetch_assets",
]

#: The wheel every asset comes from.
MEDIAPIPE_VERSION = "0.10.21"
_PIP_TIMEOUT_S = 300


@dataclass(frozen=True)
class Asset:
    """One pinned member of the wheel.

    Attributes:
        member: path inside the wheel.
        sha256: hex sha256 of the member's bytes.
        size_bytes: its size (for messages only).
    """

    member: str
    sha256: str
    size_bytes: int

    @property
    def file_name(self) -> str:
        return self.member.rsplit("/", 1)[-1]


#: Every member this project uses, by name (sha256 measured from the 0.10.21 wheel).
ASSETS: dict[str, Asset] = {
    a.file_name: a
    for a in (
        Asset("mediapipe/modules/palm_detection/palm_detection_full.tflite",
              "1b14e9422c6ad006cde6581a46c8b90dd573c07ab7f3934b5589e7cea3f89a54", 2_339_846),
        Asset("mediapipe/modules/palm_detection/palm_detection_lite.tflite",
              "e9a4aaddf90dda56a87235303cf00e4c2d3fb28725f68fd88772997dac905c18", 1_985_440),
        Asset("mediapipe/modules/hand_landmark/hand_landmark_full.tflite",
              "11c272b891e1a99ab034208e23937a8008388cf11ed2a9d776ed3d01d0ba00e3", 5_478_917),
        Asset("mediapipe/modules/hand_landmark/hand_landmark_lite.tflite",
              "048edd3645c9bf7397d19a9f6e3a42957d6e414c9bea6598030a2e9b624156e6", 2_071_597),
        Asset("mediapipe/modules/hand_landmark/handedness.txt",
              "3b82f0246870fec456c8632d455a4e1d5648d2836a7a513a271781144f525916", 11),
    )
}
PALM_DETECTION_FULL = ASSETS["palm_detection_full.tflite"]
HAND_LANDMARK_FULL = ASSETS["hand_landmark_full.tflite"]
#: ``handedness.txt``: the label of the landmark model's handedness score (index 0) and of 1 - score.
HANDEDNESS_LABELS = ASSETS["handedness.txt"]


@dataclass(frozen=True)
class Fetched:
    """Outcome of :func:`fetch_asset`.

    Attributes:
        path: the verified cached file, or None when it could not be had.
        reason: why not (one sentence), else None.
    """

    path: Path | None
    reason: str | None = None


def cache_dir() -> Path:
    """This project's user cache folder: ``$MOBRECON_CACHE_DIR``, else ``$XDG_CACHE_HOME/mobrecon-deploy``,
    else ``~/.cache/mobrecon-deploy``."""
    explicit = os.environ.get("MOBRECON_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mobrecon-deploy"


def _cached_path(asset: Asset, cache: Path | None) -> Path:
    return (cache or cache_dir()) / f"mediapipe-{MEDIAPIPE_VERSION}" / asset.file_name


def _extract(wheel: Path, asset: Asset, dest: Path) -> str | None:
    """Copy ``asset`` out of ``wheel`` to ``dest`` (temp file, then rename) if its sha256 is pinned; else why not."""
    try:
        with zipfile.ZipFile(wheel) as zf:
            data = zf.read(asset.member)
    except (OSError, KeyError, zipfile.BadZipFile) as err:
        return f"{wheel.name} has no readable {asset.member} ({type(err).__name__})"
    got = hashlib.sha256(data).hexdigest()
    if got != asset.sha256:
        return f"{asset.member} in {wheel.name} has sha256 {got[:12]}..., not the pinned {asset.sha256[:12]}..."
    write_bytes_atomic(dest, data)
    return None


def _download_wheel(folder: Path) -> Path | str:
    """``pip download mediapipe==MEDIAPIPE_VERSION --no-deps`` into ``folder``: the wheel, or why not."""
    cmd = [sys.executable, "-m", "pip", "download", f"mediapipe=={MEDIAPIPE_VERSION}", "--no-deps", "-q", "-d", str(folder)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=_PIP_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"pip download mediapipe=={MEDIAPIPE_VERSION} did not finish ({type(err).__name__})"
    wheels = sorted(folder.glob("mediapipe-*.whl"))
    if done.returncode != 0 or not wheels:
        last = (done.stderr.strip().splitlines() or ["no wheel"])[-1]
        return f"pip download mediapipe=={MEDIAPIPE_VERSION} failed: {last}"
    return wheels[0]


def fetch_assets(assets: list[Asset], *, cache: Path | None = None, wheel: Path | None = None,
                 download: bool = True) -> dict[str, Fetched]:
    """Several assets with at most one wheel download: file name -> :class:`Fetched`.

    Args:
        assets: members to fetch (values of :data:`ASSETS`, or an :class:`Asset` of your own).
        cache: cache folder; None uses :func:`cache_dir`.
        wheel: a mediapipe wheel already on disk to take the files from (no download).
        download: allow ``pip download`` when neither the cache nor ``wheel`` has a valid copy.
    """
    out: dict[str, Fetched] = {}
    missing: list[tuple[Asset, Path, str]] = []
    for asset in assets:
        dest = _cached_path(asset, cache)
        if dest.is_file() and sha256_file(dest) == asset.sha256:
            out[asset.file_name] = Fetched(dest)
        else:
            missing.append((asset, dest, " (the cached copy's sha256 did not match and was not used)" if dest.is_file() else ""))
    if not missing:
        return out
    try:
        if wheel is not None:
            reasons = {a.file_name: _extract(Path(wheel), a, d) for a, d, _ in missing}
        elif not download:
            reasons = {a.file_name: "not cached and download disabled" for a, _, _ in missing}
        else:
            with tempfile.TemporaryDirectory(prefix="mobrecon-mediapipe-") as tmp:
                got = _download_wheel(Path(tmp))
                reasons = {a.file_name: (got if isinstance(got, str) else _extract(got, a, d)) for a, d, _ in missing}
    except OSError as err:
        where = _cached_path(missing[0][0], cache).parent
        reasons = {a.file_name: f"cannot write the cache {where}: {err.strerror or type(err).__name__}" for a, _, _ in missing}
    for asset, dest, stale in missing:
        reason = reasons[asset.file_name]
        out[asset.file_name] = Fetched(dest) if reason is None else Fetched(None, reason + stale)
    return out


def fetch_asset(asset: Asset, *, cache: Path | None = None, wheel: Path | None = None, download: bool = True) -> Fetched:
    """The verified cached copy of one member of the pinned wheel (see :func:`fetch_assets`)."""
    return fetch_assets([asset], cache=cache, wheel=wheel, download=download)[asset.file_name]
