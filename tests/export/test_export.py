"""Whole exports: every target of the built-in default, the golden checkpoint, gates, verification, manifest.

The default export (fp32, every target) is built once per module; the other tests read it or copy
it. Artifacts are run (ONNX Runtime CPU) and compared with PyTorch, not only loaded. Core ML
prediction needs macOS/iOS, so .mlpackage files are checked by metadata, MIL ops and weights.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from typer.testing import CliRunner

from mobrecon.cli import app
from mobrecon_export import graph_rewrites
from mobrecon_export.errors import ArtifactMismatchError, GateError
from mobrecon_export.manifest import MANIFEST_NAME, Manifest, path_sha256
from mobrecon_export.pipeline import export_model
from mobrecon_export.source import rebuild_source_model
from mobrecon_export.targets import TARGETS
from mobrecon_export.verify import verify_dir

pytestmark = pytest.mark.slow
runner = CliRunner()


@pytest.fixture(scope="module")
def default_export(tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "default"
    return export_model(targets="onnx,ort,coreml", precision="fp32", out=out, progress=False)


def _entry(result, key, precision="fp32"):
    return next(a for a in result.artifacts if a.target == key and a.precision == precision)


def _run(path, image: np.ndarray) -> list[np.ndarray]:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["image"] and [o.name for o in session.get_outputs()] == ["verts", "uv"]
    return session.run(None, {"image": image})


# ------------------------------------------------------------------ default export, per target row
@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.key)
def test_default_export_writes_each_target_with_its_gate(default_export, target):
    entry = _entry(default_export, target.key)
    path = default_export.out_dir / entry.file
    assert path.exists() and path_sha256(path) == entry.sha256
    assert entry.check.verdict in ("pass", "warn"), entry.check.summary
    if target.gate == "ort-partition":
        d = entry.check.details
        assert d["partitions"] == 1 and d["supported_nodes"] == d["nodes"] and not d["unsupported_ops"], d
    if target.runtime:
        assert entry.verification.status == "pass", entry.verification.reason
    else:
        assert entry.verification.status == "not-run"


@pytest.mark.parametrize("target", [t for t in TARGETS if t.runtime], ids=lambda t: t.key)
def test_runnable_artifacts_match_pytorch_on_a_fresh_input(default_export, target):
    model = rebuild_source_model(default_export.manifest.model)
    image = torch.rand(1, 3, 128, 128, generator=torch.Generator().manual_seed(123)) * 2 - 1
    with torch.no_grad():
        ref = model(image)
    verts, uv = _run(default_export.out_dir / _entry(default_export, target.key).file, image.numpy())
    assert verts.shape == (1, 778, 3) and uv.shape == (1, 21, 2)
    scale = float(ref["verts"].abs().max())
    assert np.abs(verts - ref["verts"].numpy()).max() <= 1e-3 * scale + 1e-12
    assert np.abs(uv - ref["uv"].numpy()).max() <= 1e-3 * float(ref["uv"].abs().max()) + 1e-12


def test_onnx_contract_metadata_and_reproducibility(default_export, tmp_path):
    path = default_export.out_dir / _entry(default_export, "onnx").file
    model = onnx.load(str(path))
    assert max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx")) >= 18
    assert not any(t.data_location == onnx.TensorProto.EXTERNAL for t in model.graph.initializer)
    assert [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim] == [1, 3, 128, 128]
    props = {p.key: p.value for p in model.metadata_props}
    for key in ("mobrecon.variant", "mobrecon.checkpoint_layout", "mobrecon.topology_sha256", "mobrecon.input_normalisation",
                "mobrecon.output.verts", "mobrecon.output.uv", "mobrecon.tool_versions"):
        assert props.get(key), key
    assert props["mobrecon.topology_synthetic"] == "true" and "SYNTHETIC" in props["mobrecon.topology_source"]
    assert str(tmp_path.parent) not in json.dumps(props)  # no machine paths inside the artifact
    again = export_model(targets="onnx", precision="fp32", out=tmp_path / "again", progress=False)
    assert _entry(again, "onnx").sha256 == _entry(default_export, "onnx").sha256  # byte-identical


def test_manifest_records_rebuild_recipe_specs_and_configs(default_export):
    manifest = Manifest.load(default_export.out_dir / MANIFEST_NAME)
    assert manifest.model.recipe == "seeded:densestack:0" and manifest.model.topology_synthetic
    assert manifest.model.topology_source == "synthetic"
    entry = manifest.artifacts[0]
    assert [s.name for s in entry.inputs] == ["image"] and [s.name for s in entry.outputs] == ["verts", "uv"]
    assert "0.2 m" in entry.outputs[0].unit and "128" in entry.outputs[1].unit
    configs = {f.file: f for f in manifest.files}
    assert set(configs) == {"mobrecon-densestack.nnapi.required_operators.config", "mobrecon-densestack.coreml.required_operators.config"}
    text = (default_export.out_dir / "mobrecon-densestack.coreml.required_operators.config").read_text()
    assert "GatherND" in text and "ai.onnx;" in text and "/tmp" not in text
    assert manifest.tool_versions["onnxruntime"] == ort.__version__
    assert "not writ" not in default_export.format() and "note: the PyTorch outputs are ~0" not in default_export.format()


def test_coreml_package_metadata_and_ane_scan(default_export):
    import coremltools as ct

    entry = _entry(default_export, "coreml")
    spec = ct.utils.load_spec(str(default_export.out_dir / entry.file))
    meta = spec.description.metadata
    assert "MobRecon" in meta.shortDescription and meta.author and meta.license
    assert meta.userDefined["mobrecon.variant"] == "densestack"
    assert meta.userDefined["mobrecon.topology_sha256"] == default_export.manifest.model.topology_sha256
    assert "(pixel / 255 - 0.5) / 0.5" in meta.userDefined["mobrecon.input_normalisation"]
    assert [i.name for i in spec.description.input] == ["image"] and [o.name for o in spec.description.output] == ["verts", "uv"]
    assert spec.specificationVersion >= 7  # iOS 16
    details = entry.check.details
    assert details["mil_ops"]["conv"] > 50 and "prediction" in details
    assert set(details["ane_flagged_ops"]) <= {"gather", "gather_nd", "gather_along_axis", "lstm", "gru", "rnn"}


# ------------------------------------------------------------------ verify without re-exporting
def test_verify_passes_and_catches_a_changed_artifact(default_export, tmp_path):
    report = verify_dir(default_export.out_dir)
    assert report.ok and "PASS" in report.format()
    result = runner.invoke(app, ["verify", str(default_export.out_dir), "--quiet"])
    assert result.exit_code == 0, result.output

    copy = tmp_path / "copy"
    shutil.copytree(default_export.out_dir, copy)
    onnx_file = copy / _entry(default_export, "onnx").file
    data = bytearray(onnx_file.read_bytes())
    data[-1] ^= 0xFF
    onnx_file.write_bytes(bytes(data))
    with pytest.raises(ArtifactMismatchError, match="changed after export"):
        verify_dir(copy)


# ------------------------------------------------------------------ a failing gate writes nothing
def test_forced_failing_gate_refuses_and_leaves_nothing(tmp_path, monkeypatch):
    # Without the Gather -> GatherND rewrite the CoreML EP (ML Program) graph keeps Gather nodes.
    monkeypatch.setitem(graph_rewrites.GRAPH_FORMS, "coreml", ("name_resize_roi",))
    out = tmp_path / "out"
    with pytest.raises(GateError, match="refused by ort-partition") as info:
        export_model(targets="ort-coreml,onnx", precision="fp32", out=out, progress=False)
    entry = _entry(info.value.result, "ort-coreml")
    assert entry.check.verdict == "fail" and "ai.onnx:Gather" in entry.check.details["unsupported_ops"]
    assert any(n.startswith("Gather:") for n in entry.check.details["unsupported_nodes"])
    assert list(out.iterdir()) == []  # nothing moved into place, temp folder removed

    result = runner.invoke(app, ["export", "--targets", "ort-coreml", "--precision", "fp32", "--out", str(out), "--quiet"])
    assert result.exit_code == 1 and "FAILED: ort-coreml fp32" in result.output
    assert list(out.iterdir()) == []


# ------------------------------------------------------------------ quantized and half precision
def test_fp16_and_int8_are_built_measured_and_refused_on_random_weights(tmp_path):
    """The seeded network is untrained and numerically chaotic (rounding its weights to fp16 moves
    vertices by ~5 cm), so the task-level fp16/int8 limits must refuse it, with the measured errors."""
    from mobrecon_export.errors import GateError

    out = tmp_path / "q"
    with pytest.raises(GateError) as exc:
        export_model(targets="onnx,ort-nnapi", precision="fp16,int8", out=out, progress=False)
    result = exc.value.result
    assert not out.exists() or not any(out.iterdir())  # nothing half-written
    fp16, int8 = _entry(result, "onnx", "fp16"), _entry(result, "onnx", "int8")
    assert fp16.size_bytes < 20e6 and int8.size_bytes < 12e6  # fp32 is ~33 MB: weights really halved / quartered
    for entry in (fp16, int8, _entry(result, "ort-nnapi", "int8")):
        v = entry.verification
        assert v.status == "fail" and v.samples == 8 and {"verts", "uv"} <= set(v.metrics)
        assert v.limits == result.manifest.limits[entry.precision]  # task-level limits, no float32 allowance
        assert v.metrics["verts"]["verts_max_mm"] > v.limits["verts_max_mm"]
    assert _entry(result, "ort-nnapi", "int8").check.details["partitions"] == 1
    assert int8.build["quantization"]["calibration"].startswith("generated:")
    assert any("verification failed" in f for f in result.failures)


# ------------------------------------------------------------------ golden checkpoint (reference data)
def test_golden_checkpoint_onnx_and_ort_match_the_golden_outputs(reference_dir, template_dir, tmp_path):
    golden = torch.load(reference_dir / "golden-densestack.pt", weights_only=True)
    result = export_model(checkpoint=reference_dir / "golden-densestack.pt", template=template_dir, targets="onnx,ort",
                          precision="fp32", out=tmp_path / "golden", progress=False)
    assert result.manifest.model.checkpoint_layout == "densestack" and not result.manifest.model.topology_synthetic
    for entry in result.artifacts:
        outs = [_run(result.out_dir / entry.file, golden["input"][i : i + 1].numpy()) for i in range(len(golden["input"]))]
        for k, (name, ref_key) in enumerate((("verts", "verts"), ("uv", "joint_img"))):
            got = np.concatenate([o[k] for o in outs])
            err = np.abs(got - golden["outputs"][ref_key].numpy())
            assert err.max() <= 2e-3 and np.median(err) <= 1e-4, (entry.file, name, err.max(), np.median(err))
