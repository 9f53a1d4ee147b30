"""The verification bundle: every raw file has the size its shape implies, reads back with plain numpy,
and running the bundled .onnx on ONNX Runtime's CPU EP reproduces the expected outputs."""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path

import numpy as np
import pytest

from mobrecon_bench.devices.bundle import make_bundle
from mobrecon_bench.devices.bundle_read import BUNDLE_JSON, INPUTS_FILE, read_bundle
from mobrecon_bench.errors import BenchmarkError

pytestmark = pytest.mark.slow


def _raw_entries(index: dict) -> list[dict]:
    mesh = [m["mesh"][k] for m in index["models"] if m.get("mesh") for k in ("faces", "joint_regressor")]
    return [index["inputs"]["tensor"], *(e for m in index["models"] for e in m["expected_outputs"]), *mesh]


def test_every_raw_file_has_the_size_its_shape_implies(default_bundle):
    for entry in _raw_entries(default_bundle.index):
        path = default_bundle.folder / entry["file"]
        assert path.stat().st_size == entry["size_bytes"] == 4 * int(np.prod(entry["shape"])), entry["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
    (inputs,) = [e for e in _raw_entries(default_bundle.index) if e["file"] == INPUTS_FILE]
    assert inputs["shape"] == [len(default_bundle.index["inputs"]["labels"]), 3, 128, 128]


def test_the_mesh_an_app_needs_is_in_the_bundle(default_bundle):
    from mobrecon import Topology
    from mobrecon.pipeline.outputs import MANO_TO_MPII

    (model,) = default_bundle.index["models"]
    topology = Topology.synthetic()  # the default export's mesh
    assert np.array_equal(default_bundle.read_tensor(model["mesh"]["faces"]), topology.faces[0])
    assert np.array_equal(default_bundle.read_tensor(model["mesh"]["joint_regressor"]), topology.joint_regressor.astype(np.float32))
    assert model["mesh"]["mano_to_mpii"] == MANO_TO_MPII.tolist()


def test_every_artifact_is_copied_with_its_hash(default_bundle, default_export):
    from mobrecon_export.manifest import Manifest, path_sha256

    manifest = Manifest.load(default_export)
    assert sorted(a["id"] for a in default_bundle.index["artifacts"]) == sorted(a.file for a in manifest.artifacts)
    for artifact in default_bundle.index["artifacts"]:
        assert path_sha256(default_bundle.folder / artifact["file"]) == artifact["sha256"]
        assert artifact["runs"] and artifact["limits"]["verts_max_mm"] >= 0.4


def test_raw_files_read_back_with_struct_and_the_onnx_reproduces_the_expected_outputs(default_bundle):
    import onnxruntime as ort

    index = json.loads((default_bundle.folder / BUNDLE_JSON).read_text())
    spec = index["inputs"]["tensor"]
    raw = (default_bundle.folder / spec["file"]).read_bytes()
    count = len(raw) // 4
    flat = struct.unpack(f"<{count}f", raw)                      # plain struct, as a phone would read it
    inputs = np.asarray(flat, np.float32).reshape(spec["shape"])
    assert np.array_equal(inputs, np.frombuffer(raw, "<f4").reshape(spec["shape"]))
    (onnx,) = [a for a in index["artifacts"] if a["format"] == "onnx"]
    model = next(m for m in index["models"] if m["id"] == onnx["model"])
    expected = {e["name"]: np.frombuffer((default_bundle.folder / e["file"]).read_bytes(), "<f4").reshape(e["shape"])
                for e in model["expected_outputs"]}
    session = ort.InferenceSession(str(default_bundle.folder / onnx["file"]), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    runs = [session.run(names, {onnx["inputs"][0]["name"]: inputs[i : i + 1]}) for i in range(len(inputs))]
    outs = {name: np.concatenate([r[k] for r in runs]) for k, name in enumerate(names)}
    verts_mm = float(np.linalg.norm(outs["verts"] - expected["verts"], axis=-1).max() * index["units"]["verts"]["to_millimetres"])
    uv_px = float(np.linalg.norm(outs["uv"] - expected["uv"], axis=-1).max() * index["units"]["uv"]["to_pixels"])
    assert verts_mm <= onnx["limits"]["verts_max_mm"] and uv_px <= onnx["limits"]["uv_max_px"], (verts_mm, uv_px)
    assert np.abs(expected["verts"]).max() * 200 > 10.0  # the comparison is not between two near-zero outputs


def test_directory_hash_rule_as_documented():
    """The rule bundle.json states for .mlpackage folders, coded from its words, equals path_sha256."""
    from mobrecon_bench.devices.bundle import _directory_files
    from mobrecon_export.manifest import path_sha256

    folder = Path(__file__).parent / "_dir_hash_case"
    try:
        for rel, data in {"Manifest.json": b"{}", "Data/a-b": b"x", "Data/a/b.bin": b"yz", "Data/com.apple.CoreML/m": b"m"}.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_bytes(data)
        h = hashlib.sha256()
        for entry in _directory_files(folder):
            h.update(entry["path"].encode() + b"\0" + bytes.fromhex(entry["sha256"]))
        assert h.hexdigest() == path_sha256(folder)
        assert [e["path"] for e in _directory_files(folder)][:2] == ["Data/a/b.bin", "Data/a-b"]  # by components
    finally:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


def test_bundle_json_validates_and_describes_the_input_contract(default_bundle):
    index = default_bundle.index
    assert index["preprocessing"]["size"] == 128 and index["preprocessing"]["channel_order"] == "RGB"
    assert index["units"]["verts"]["to_metres"] == pytest.approx(0.2)
    assert index["units"]["uv"]["to_pixels"] == 128.0
    assert set(index["limits"]) == {"fp32", "fp16", "int8"}
    assert index["models"][0]["trained"] is False and index["models"][0]["topology_synthetic"] is True


def test_not_an_export_folder_is_one_sentence_and_writes_nothing(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(BenchmarkError, match="not an export folder"):
        make_bundle(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_foreign_out_folder_is_refused(default_export, tmp_path):
    (tmp_path / "mine").mkdir()
    with pytest.raises(BenchmarkError, match="is not a bundle"):
        make_bundle(default_export, tmp_path / "mine")


def test_a_tampered_bundle_file_is_caught_on_read(default_bundle, tmp_path):
    import shutil

    copy = tmp_path / "bundle"
    shutil.copytree(default_bundle.folder, copy, ignore=shutil.ignore_patterns("*.onnx", "*.ort", "*.mlpackage"))
    path = copy / default_bundle.index["models"][0]["expected_outputs"][0]["file"]
    path.write_bytes(path.read_bytes()[:-4])
    bundle = read_bundle(copy)
    with pytest.raises(BenchmarkError, match="implies"):
        bundle.expected_outputs(bundle.index["models"][0]["id"])
    (copy / BUNDLE_JSON).write_text("{not json")
    with pytest.raises(BenchmarkError, match="is not JSON"):
        read_bundle(copy)
