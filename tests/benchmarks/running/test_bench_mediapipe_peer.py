"""MediaPipe peer: labelled a different task, or skipped with the reason (fetching and pinning are
tested with mobrecon.pipeline.mediapipe_assets). No network: a fake wheel stands in for the PyPI download."""

from __future__ import annotations

import hashlib
import zipfile

from mobrecon.pipeline.mediapipe_assets import HAND_LANDMARK_FULL, Asset
from mobrecon_bench.running import mediapipe_peer as mp
from mobrecon_bench.running.runners import FailedArtifact, LiteRtRunner

PAYLOAD = b"not really a tflite model"
FAKE = Asset(HAND_LANDMARK_FULL.member, hashlib.sha256(PAYLOAD).hexdigest(), len(PAYLOAD))


def test_the_peer_pins_the_landmark_model_of_the_pinned_wheel():
    assert mp.MEDIAPIPE_VERSION == "0.10.21" and len(HAND_LANDMARK_FULL.sha256) == 64
    assert HAND_LANDMARK_FULL.member == "mediapipe/modules/hand_landmark/hand_landmark_full.tflite"


def test_runner_is_labelled_a_different_task_or_skipped(tmp_path):
    skipped = mp.mediapipe_runner(cache=tmp_path / "empty", download=False, asset=FAKE)
    assert isinstance(skipped, FailedArtifact) and skipped.unavailable().status == "skipped"
    assert "MediaPipe model not available" in skipped.unavailable().reason
    with zipfile.ZipFile(tmp_path / "mp.whl", "w") as zf:
        zf.writestr(FAKE.member, PAYLOAD)
    runner = mp.mediapipe_runner(cache=tmp_path, wheel=tmp_path / "mp.whl", asset=FAKE)
    assert isinstance(runner, LiteRtRunner) and runner.form == "peer" and "different task" in runner.task
    artifact, runtime = runner.describe()
    assert (artifact.task, artifact.variant, runtime.name) == (mp.TASK, None, "litert")
