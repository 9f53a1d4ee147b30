"""MediaPipe peer: the file is taken from a wheel, pinned by sha256, cached, and re-checked on every use.

No network: a fake wheel (a zip holding the member) stands in for the PyPI download.
"""

from __future__ import annotations

import hashlib
import zipfile

import pytest

from mobrecon_bench.running import mediapipe_peer as mp
from mobrecon_bench.running.runners import FailedArtifact, LiteRtRunner

PAYLOAD = b"not really a tflite model"


@pytest.fixture
def pinned(monkeypatch):
    """Pin the fake payload's sha256 in place of the real one."""
    monkeypatch.setattr(mp, "SHA256", hashlib.sha256(PAYLOAD).hexdigest())


def _wheel(path, data=PAYLOAD):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(mp.MEMBER, data)
    return path


def test_real_pin_is_a_sha256():
    assert len(mp.SHA256) == 64 and mp.MEDIAPIPE_VERSION == "0.10.21"


def test_extracts_caches_and_reuses(pinned, tmp_path):
    got = mp.hand_landmark_model(cache=tmp_path / "c", wheel=_wheel(tmp_path / "mp.whl"))
    assert got.reason is None and got.path.read_bytes() == PAYLOAD
    again = mp.hand_landmark_model(cache=tmp_path / "c", download=False)
    assert again.path == got.path


def test_a_changed_cached_file_is_never_used(pinned, tmp_path):
    got = mp.hand_landmark_model(cache=tmp_path, wheel=_wheel(tmp_path / "mp.whl"))
    got.path.write_bytes(b"tampered")
    again = mp.hand_landmark_model(cache=tmp_path, download=False)
    assert again.path is None and "did not match" in again.reason
    fixed = mp.hand_landmark_model(cache=tmp_path, wheel=tmp_path / "mp.whl")
    assert fixed.path is not None and fixed.path.read_bytes() == PAYLOAD


def test_a_wheel_with_other_bytes_is_refused(pinned, tmp_path):
    got = mp.hand_landmark_model(cache=tmp_path, wheel=_wheel(tmp_path / "mp.whl", b"other"))
    assert got.path is None and "not the pinned" in got.reason


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MOBRECON_CACHE_DIR", str(tmp_path))
    assert mp.cache_dir() == tmp_path
    monkeypatch.delenv("MOBRECON_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert mp.cache_dir() == tmp_path / "xdg" / "mobrecon-deploy"


def test_runner_is_labelled_a_different_task_or_skipped(pinned, tmp_path):
    skipped = mp.mediapipe_runner(cache=tmp_path / "empty", download=False)
    assert isinstance(skipped, FailedArtifact) and skipped.unavailable().status == "skipped"
    assert "MediaPipe model not available" in skipped.unavailable().reason
    runner = mp.mediapipe_runner(cache=tmp_path, wheel=_wheel(tmp_path / "mp.whl"))
    assert isinstance(runner, LiteRtRunner) and runner.form == "peer" and "different task" in runner.task
    artifact, runtime = runner.describe()
    assert (artifact.task, artifact.variant, runtime.name) == (mp.TASK, None, "litert")
