"""MediaPipe's hand landmark model as a peer: fetched offline from its wheel, pinned by sha256, cached.

Usage::

    from mobrecon_bench.running.mediapipe_peer import mediapipe_runner

    runner = mediapipe_runner()          # LiteRtRunner, or a FailedArtifact saying why it is skipped

``hand_landmark_full.tflite`` ships inside the ``mediapipe==0.10.21`` wheel on PyPI
(``mediapipe/modules/hand_landmark/``). It is fetched, pinned by sha256 and cached by
:mod:`mobrecon.pipeline.mediapipe_assets` (the app pipeline's hand box uses the same wheel): the
cached copy after checking its sha256, else ``python -m pip download mediapipe==0.10.21 --no-deps``
into a temp folder, the member taken out and checked. Anything that fails (no network, pip
missing, a changed file) makes the peer "skipped" with the reason; it never stops a benchmark run.

MediaPipe's model does a different task from MobRecon: 21 hand keypoints (x, y, z) from a
224 x 224 crop, no mesh. Its row is labelled so; its latency is context, not a like-for-like race.
"""

from __future__ import annotations

from pathlib import Path

from mobrecon.pipeline.mediapipe_assets import HAND_LANDMARK_FULL, MEDIAPIPE_VERSION, Asset, fetch_asset
from mobrecon_bench.running.runners import FailedArtifact, LiteRtRunner, Runner

__all__ = ["MEDIAPIPE_VERSION", "TASK", "ARTIFACT_NAME", "mediapipe_runner"]

#: What the peer computes: input [1, 224, 224, 3] float32 RGB in [0, 1]; outputs 63 = 21 x (x, y, z)
#: landmarks in crop pixels, hand presence, handedness, 63 world landmarks (metres).
TASK = "MediaPipe hand landmarks: 21 keypoints (x, y, z) from a 224x224 crop, no mesh (a different task)"
ARTIFACT_NAME = "mediapipe.hand_landmark_full.tflite"


def mediapipe_runner(*, cache: Path | None = None, wheel: Path | None = None, download: bool = True,
                     asset: Asset = HAND_LANDMARK_FULL) -> Runner:  # fmt: skip
    """LiteRT runner of MediaPipe's hand landmark model (input [1, 224, 224, 3] float32), labelled as a
    different task; a "skipped" placeholder with the reason when the file or ``ai-edge-litert`` is missing.

    Args:
        cache, wheel, download: as in :func:`mobrecon.pipeline.mediapipe_assets.fetch_asset`.
        asset: the pinned wheel member (tests pass their own).
    """
    fetched = fetch_asset(asset, cache=cache, wheel=wheel, download=download)
    common = dict(name=ARTIFACT_NAME, variant=None, form="peer", task=TASK)
    if fetched.path is None:
        return FailedArtifact(**common, status="skipped", reason=f"MediaPipe model not available: {fetched.reason}",
                              runtime_name="litert", artifact_format="tflite")  # fmt: skip
    return LiteRtRunner(**common, path=fetched.path)
