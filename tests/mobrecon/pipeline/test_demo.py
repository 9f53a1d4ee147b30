"""``mobrecon demo``: files written for a person, labels, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("PIL", reason="Pillow (app extra) reads and writes the demo's images")
from PIL import Image  # noqa: E402

from mobrecon.pipeline.demo import obj_text, run_demo  # noqa: E402


def _read_obj(path):
    v, f = [], []
    for line in path.read_text().splitlines():
        if line.startswith("v "):
            v.append([float(x) for x in line.split()[1:]])
        elif line.startswith("f "):
            f.append([int(x) - 1 for x in line.split()[1:]])
    return np.array(v), np.array(f)


def test_demo_on_the_drawn_hand_with_a_box_writes_overlay_obj_json(tmp_path, builtin_loaded):
    result = run_demo(None, box="290,190,80,150", out=tmp_path, loaded=builtin_loaded)
    png, obj, js = result.files
    assert Image.open(png).size == (640, 480)
    verts, faces = _read_obj(obj)
    np.testing.assert_allclose(verts, result.hand.verts_camera, atol=1e-6)
    assert faces.shape == builtin_loaded.topology.faces[0].shape
    report = json.loads(js.read_text())
    assert report["untrained"] and report["topology_synthetic"] and "UNTRAINED" in report["model"]
    assert report["box_source"] == "given" and report["handedness"] == "right"
    np.testing.assert_allclose(report["registration"]["t_m"], result.hand.registration.t)
    assert np.array(report["joints_camera_m"]).shape == (21, 3)
    assert "UNTRAINED" in result.format()
    assert not list(tmp_path.glob(".*"))  # no temporary files left


def test_left_hand_obj_winding_is_reversed():
    text = obj_text(np.zeros((3, 3)), np.array([[0, 1, 2]]), ["c"], flip_winding=True)
    assert text.splitlines()[-1] == "f 3 2 1"


def _run(*args):
    return subprocess.run([sys.executable, "-c", "from mobrecon.cli import main; main()", *args], capture_output=True, text=True)


@pytest.mark.parametrize("args, message", [
    (["demo", "--box", "9000,0,10,10"], "outside the 640x480 image"),
    (["eval", "--gt", "/nonexistent"], "both --gt"),
])
def test_errors_are_one_line_with_exit_2(args, message):
    proc = _run(*args)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], proc.stderr


@pytest.mark.parametrize("kwargs, message", [
    ({"image": "/nonexistent/photo.jpg"}, "does not exist"),
    ({"box": "1,2,3"}, "four numbers"),
    ({"box": "10,10,0,20"}, "positive width"),
    ({"box": "10,10,20,20", "handedness": "both"}, "right or left"),
])
def test_bad_inputs_are_one_sentence(tmp_path, kwargs, message):
    from mobrecon.errors import MobReconError

    with pytest.raises(MobReconError, match=message):
        run_demo(kwargs.pop("image", None), out=tmp_path / "o", **kwargs)
    assert not (tmp_path / "o").exists()


def test_unreadable_image(tmp_path):
    from mobrecon.pipeline.errors import ImageReadError

    bad = tmp_path / "not-an-image.png"
    bad.write_text("hello")
    with pytest.raises(ImageReadError, match="cannot be read as an image"):
        run_demo(bad, out=tmp_path / "o")


def test_artifact_and_template_disagree_is_one_sentence(tmp_path, template_dir):
    pytest.importorskip("onnx", reason="onnx builds the stand-in artifact")
    from mobrecon.pipeline.errors import ArtifactMismatch
    from tests.mobrecon.pipeline.test_runner import _artifact

    path = _artifact(tmp_path / "m.onnx", 778)
    (tmp_path / "manifest.json").write_text(json.dumps({"model": {"topology_sha256": "1" * 64, "topology": "SYNTHETIC mesh", "recipe": "seeded:x:0"}}))
    with pytest.raises(ArtifactMismatch, match="exported with the topology SYNTHETIC mesh.*--template"):
        run_demo(None, box="290,190,80,150", artifact=path, template=template_dir, out=tmp_path / "o")
    assert not (tmp_path / "o").exists()
