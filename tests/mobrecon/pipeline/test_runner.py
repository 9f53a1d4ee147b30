"""Runner: an artifact that disagrees with the template is refused with one sentence; a matching one runs."""

from __future__ import annotations

import json

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="onnx (export extra) builds the stand-in artifacts")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from mobrecon import Topology  # noqa: E402
from mobrecon.pipeline.errors import ArtifactMismatch, PipelineError  # noqa: E402
from mobrecon.pipeline.runner import load_crop_model  # noqa: E402


def _artifact(path, num_verts: int, uv_shape=(1, 21, 2)):
    """A constant-output ONNX file with MobRecon's input and output names."""
    verts = np.linspace(-1, 1, num_verts * 3, dtype=np.float32).reshape(1, num_verts, 3)
    uv = np.full(uv_shape, 0.5, np.float32)
    nodes = [helper.make_node("Constant", [], ["v"], value=numpy_helper.from_array(verts)),
             helper.make_node("Constant", [], ["u"], value=numpy_helper.from_array(uv)),
             helper.make_node("Identity", ["v"], ["verts"]), helper.make_node("Identity", ["u"], ["uv"])]
    graph = helper.make_graph(nodes, "stand_in", [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 128, 128])],
                              [helper.make_tensor_value_info("verts", TensorProto.FLOAT, list(verts.shape)),
                               helper.make_tensor_value_info("uv", TensorProto.FLOAT, list(uv_shape))])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=10), path)
    return path


def test_vertex_count_mismatch_is_refused(tmp_path):
    with pytest.raises(ArtifactMismatch, match="outputs 500 vertices but the topology has 778"):
        load_crop_model(artifact=_artifact(tmp_path / "m.onnx", 500))


def test_not_a_mobrecon_artifact(tmp_path):
    with pytest.raises(ArtifactMismatch, match="not a MobRecon artifact"):
        load_crop_model(artifact=_artifact(tmp_path / "m.onnx", 778, uv_shape=(1, 5, 2)))
    with pytest.raises(PipelineError, match="not an .onnx or .ort"):
        load_crop_model(artifact=tmp_path / "m.mlpackage")
    with pytest.raises(PipelineError, match="does not exist"):
        load_crop_model(artifact=tmp_path / "missing.onnx")


def test_manifest_topology_is_compared(tmp_path):
    path = _artifact(tmp_path / "m.onnx", 778)
    manifest = {"model": {"topology_sha256": "0" * 64, "topology": "HandMesh MANO template, levels 778/...", "recipe": "seeded:densestack:0"},
                "artifacts": []}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ArtifactMismatch, match="exported with the topology HandMesh MANO template.*--template"):
        load_crop_model(artifact=path)
    manifest["model"]["topology_sha256"] = Topology.synthetic().sha256()
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    loaded = load_crop_model(artifact=path)
    assert loaded.untrained and "matches" in loaded.notes[0]
    verts, uv = loaded.model(np.zeros((1, 3, 128, 128), np.float32))
    assert verts.shape == (778, 3) and uv.shape == (21, 2) and uv[0, 0] == 0.5
    manifest["artifacts"] = [{"file": "m.onnx", "sha256": "f" * 64}]
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ArtifactMismatch, match="changed after export"):
        load_crop_model(artifact=path)


def test_without_manifest_the_check_is_reported_as_not_done(tmp_path):
    loaded = load_crop_model(artifact=_artifact(tmp_path / "m.onnx", 778))
    assert "could not be checked" in loaded.notes[0] and not loaded.untrained and "unknown origin" in loaded.label


def test_built_in_default_is_labelled_untrained_and_synthetic(builtin_loaded):
    loaded = builtin_loaded
    assert loaded.untrained and "UNTRAINED" in loaded.label and "SYNTHETIC" in loaded.label
