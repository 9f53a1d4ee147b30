"""MediaPipe's hand landmark model as a peer: fetched offline from its wheel, pinned by sha256, cached.

Usage::

    from mobrecon_bench.running.mediapipe_peer import mediapipe_runner

    runner = mediapipe_runner()          # LiteRtRunner, or a FailedArtifact saying why it is skipped

``hand_landmark_full.tflite`` ships inside the ``mediapipe==0.10.21`` wheel on PyPI
(``mediapipe/modules/hand_landmark/``). :func:`hand_landmark_model` returns the cached copy under
:func:`cache_dir` after checking its sha256; without a valid copy it runs
``python -m pip download mediapipe==0.10.21 --no-deps`` into a temp folder, takes the one file
out of the wheel, checks the pinned sha256 and caches it. The sha256 is checked every time the
file is used, cached or not. Anything that fails (no network, pip missing, a changed file) makes
the peer "skipped" with the reason; it never stops a benchmark run.

MediaPipe's model does a different task from MobRecon: 21 hand keypoints (x, y, z) from a
224 x 224 crop, no mesh. Its row is labelled so; its latency is context, not a like-for-like race.
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

from mobrecon_bench.running.runners import FailedArtifact, LiteRtRunner, Runner, sha256_file

__all__ = [
    "MEDIAPIPE_VERSION",
    "MEMBER",
    "SHA256",
    "TASK",
    "ARTIFACT_NAME",
    "Fetched",
    "cache_dir",
    "hand_landmark_model",
    "mediapipe_runner",
]

#: The wheel the file is taken from (PyPI, any platform tag: the model file is the same in all).
MEDIAPIPE_VERSION = "0.10.21"
#: Path of the model inside the wheel.
MEMBER = "mediapipe/modules/hand_landmark/hand_landmark_full.tflite"
#: sha256 of ``hand_landmark_full.tflite`` from mediapipe 0.10.21 (5,478,917 bytes), pinned.
SHA256 = "11c272b891e1a99ab034208e23937a8008388cf11ed2a9d776ed3d01d0ba00e3"
#: What the peer computes: input [1, 224, 224, 3] float32 RGB in [0, 1]; outputs 63 = 21 x (x, y, z)
#: landmarks in crop pixels, hand presence, handedness, 63 world landmarks (metres).
TASK = "MediaPipe hand landmarks: 21 keypoints (x, y, z) from a 224x224 crop, no mesh (a different task)"
ARTIFACT_NAME = "mediapipe.hand_landmark_full.tflite"
_PIP_TIMEOUT_S = 300


@dataclass(frozen=True)
class Fetched:
    """Outcome of :func:`hand_landmark_model`.

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


def _extract(wheel: Path, dest: Path) -> str | None:
    """Copy MEMBER out of ``wheel`` to ``dest`` (atomically) if its sha256 is the pinned one; else the reason."""
    try:
        with zipfile.ZipFile(wheel) as zf:
            data = zf.read(MEMBER)
    except (OSError, KeyError, zipfile.BadZipFile) as err:
        return f"{wheel.name} has no readable {MEMBER} ({type(err).__name__})"
    got = hashlib.sha256(data).hexdigest()
    if got != SHA256:
        return f"{MEMBER} in {wheel.name} has sha256 {got[:12]}..., not the pinned {SHA256[:12]}..."
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".hand_landmark_full.", dir=dest.parent)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, dest)
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


def hand_landmark_model(*, cache: Path | None = None, wheel: Path | None = None, download: bool = True) -> Fetched:
    """The verified ``hand_landmark_full.tflite``: from the cache, a given wheel, or ``pip download``.

    Args:
        cache: cache folder; None uses :func:`cache_dir`. The file lives at
            ``<cache>/mediapipe-<version>/hand_landmark_full.tflite``.
        wheel: a mediapipe wheel already on disk to take the file from (no download).
        download: allow ``pip download`` when neither the cache nor ``wheel`` has a valid copy.

    Returns:
        Fetched with the path, or with the reason it could not be had. A cached file whose sha256
        differs from :data:`SHA256` is never used (it is replaced when a valid copy can be had).
    """
    dest = (cache or cache_dir()) / f"mediapipe-{MEDIAPIPE_VERSION}" / "hand_landmark_full.tflite"
    if dest.is_file() and sha256_file(dest) == SHA256:
        return Fetched(dest)
    stale = " (the cached copy's sha256 did not match and was not used)" if dest.is_file() else ""
    try:
        if wheel is not None:
            reason = _extract(Path(wheel), dest)
        elif not download:
            reason = "not cached and download disabled"
        else:
            with tempfile.TemporaryDirectory(prefix="mobrecon-mediapipe-") as tmp:
                got = _download_wheel(Path(tmp))
                reason = got if isinstance(got, str) else _extract(got, dest)
    except OSError as err:
        reason = f"cannot write the cache {dest.parent}: {err.strerror or type(err).__name__}"
    if reason is not None:
        return Fetched(None, reason + stale)
    return Fetched(dest)


def mediapipe_runner(*, cache: Path | None = None, wheel: Path | None = None, download: bool = True) -> Runner:
    """LiteRT runner of MediaPipe's hand landmark model (input [1, 224, 224, 3] float32), labelled as a
    different task; a "skipped" placeholder with the reason when the file or ``ai-edge-litert`` is missing.

    Args:
        cache, wheel, download: as in :func:`hand_landmark_model`.
    """
    fetched = hand_landmark_model(cache=cache, wheel=wheel, download=download)
    common = dict(name=ARTIFACT_NAME, variant=None, form="peer", task=TASK)
    if fetched.path is None:
        return FailedArtifact(**common, status="skipped", reason=f"MediaPipe model not available: {fetched.reason}",
                              runtime_name="litert", artifact_format="tflite")  # fmt: skip
    return LiteRtRunner(**common, path=fetched.path)
