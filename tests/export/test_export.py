"""Whole exports: every target of the built-in default, the golden checkpoint, gates, verification, manifest.

The default export (fp32, every target) is built once per module; the other tests read it or copy
it. A second default export, by the ``mobrecon export`` command in another process, is compared
with it byte for byte, per artifact kind. Artifacts are run (ONNX Runtime CPU) and compared with
PyTorch, not only loaded. Core ML prediction needs macOS/iOS, so .mlpackage files are checked by
metadata, MIL ops and weights.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

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

from .mobrecon_process import run_mobrecon

pytestmark = pytest.mark.slow
runner = CliRunner()


@pytest.fixture(scope="module")
def default_export(tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "default"
    return export_model(targets="onnx,ort,coreml", precision="fp32", out=out, progress=False)


@pytest.fixture(scope="module")
def second_default_export(default_export, tmp_path_factory) -> Path:
    """The same default export again, by the command in another process (as a user would run it twice)."""
    out = tmp_path_factory.mktemp("export-again") / "default"
    proc = run_mobrecon("export", "--out", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    return out


def _entry(result, key, precision="fp32"):
    """The artifact entry of (target, precision) in an ExportResult or a Manifest."""
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
    assert list(tmp_path.iterdir()) == []  # out not created, temp folder beside it removed

    out.mkdir()
    (out / "earlier.txt").write_text("an earlier file")
    before = (out.stat().st_mtime_ns, (out / "earlier.txt").stat().st_mtime_ns)
    result = runner.invoke(app, ["export", "--targets", "ort-coreml", "--precision", "fp32", "--out", str(out), "--quiet",
                                 "--keep-inaccurate"])  # accuracy failures only are kept: a gate failure still refuses
    assert result.exit_code == 1 and "FAILED: ort-coreml fp32" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["out"] and [p.name for p in out.iterdir()] == ["earlier.txt"]
    assert (out / "earlier.txt").read_text() == "an earlier file"
    assert (out.stat().st_mtime_ns, (out / "earlier.txt").stat().st_mtime_ns) == before  # out exactly as it was


# ------------------------------------------------------------------ quantized and half precision
def _no_float32_floor(monkeypatch) -> None:
    """Skip the float64 reference run (~45 s here): the floor only widens fp32 limits, these tests build fp16/int8."""
    import mobrecon_export.pipeline

    monkeypatch.setattr(mobrecon_export.pipeline, "float32_floor", lambda model, inputs, refs: {})


def test_fp16_of_random_weights_is_refused_without_keep_inaccurate(tmp_path, monkeypatch):
    """The seeded network is untrained and numerically chaotic (rounding its weights to fp16 moves
    vertices by ~5 cm), so the task-level fp16/int8 limits must refuse it, with the measured errors."""
    _no_float32_floor(monkeypatch)
    out = tmp_path / "q"
    with pytest.raises(GateError) as info:
        export_model(targets="onnx", precision="fp16", out=out, progress=False)
    assert not out.exists() and list(tmp_path.iterdir()) == []  # nothing half-written
    result = info.value.result
    assert result.failures[0].startswith("onnx fp16: verification failed: verts_max_mm")
    assert result.kept_inaccurate == [] and "kept" not in result.format() and "FAIL (kept)" not in result.format()


@pytest.fixture(scope="module")
def kept_inaccurate_export(tmp_path_factory) -> tuple[Path, str]:
    """``mobrecon export --keep-inaccurate`` of fp16 and int8: (folder, what the command printed)."""
    out = tmp_path_factory.mktemp("kept") / "q"
    with pytest.MonkeyPatch.context() as monkeypatch:
        _no_float32_floor(monkeypatch)
        result = runner.invoke(app, ["export", "--targets", "onnx,ort-nnapi", "--precision", "fp16,int8", "--out", str(out),
                                     "--quiet", "--keep-inaccurate"])
    assert result.exit_code == 0, result.output  # accuracy failures only, all kept: exit 0
    return out, result.output


def test_keep_inaccurate_writes_fp16_and_int8_marked_failed_with_the_measured_errors(kept_inaccurate_export):
    out, printed = kept_inaccurate_export
    names = ["mobrecon-densestack.fp16.onnx", "mobrecon-densestack.int8.onnx", "mobrecon-densestack.nnapi.int8.ort"]
    manifest = Manifest.load(out)
    assert manifest.kept_inaccurate == names and manifest.options["keep_inaccurate"] is True
    assert sorted(p.name for p in out.iterdir()) == sorted([*names, "manifest.json", "mobrecon-densestack.nnapi.required_operators.config"])
    fp16, int8 = _entry(manifest, "onnx", "fp16"), _entry(manifest, "onnx", "int8")
    assert fp16.size_bytes < 20e6 and int8.size_bytes < 12e6  # fp32 is ~33 MB: weights really halved / quartered
    for entry in (fp16, int8, _entry(manifest, "ort-nnapi", "int8")):
        assert path_sha256(out / entry.file) == entry.sha256
        v = entry.verification
        assert v.status == "fail" and v.samples == 8 and {"verts", "uv"} <= set(v.metrics) and "verts_max_mm" in v.reason
        assert v.limits == manifest.limits[entry.precision]  # task-level limits, no float32 allowance
        assert v.metrics["verts"]["verts_max_mm"] > v.limits["verts_max_mm"]
    assert _entry(manifest, "ort-nnapi", "int8").check.details["partitions"] == 1
    assert int8.build["quantization"]["calibration"].startswith("generated:")
    assert "kept 3 artifacts that FAIL their accuracy limits (--keep-inaccurate)" in printed
    assert all(f"KEPT, FAILS ITS ACCURACY LIMITS (--keep-inaccurate): {name}: verts_max_mm" in printed for name in names)
    assert printed.count("FAIL (kept)") == 3


def test_verify_still_fails_a_kept_export_and_says_it_was_kept(kept_inaccurate_export):
    out, _ = kept_inaccurate_export
    result = runner.invoke(app, ["verify", str(out), "--quiet"])
    assert result.exit_code == 1, result.output
    assert "exported with --keep-inaccurate: 3 kept artifact(s) FAIL their accuracy limits here again" in result.output
    assert "verdict: FAIL" in result.output and result.output.count("FAIL (kept)") == 3


def test_a_manifest_from_before_keep_inaccurate_still_loads(default_export, tmp_path):
    data = json.loads((default_export.out_dir / MANIFEST_NAME).read_text())
    del data["kept_inaccurate"], data["options"]["keep_inaccurate"]
    (tmp_path / MANIFEST_NAME).write_text(json.dumps(data))
    old = Manifest.load(tmp_path)
    assert old.kept_inaccurate == [] and [a.file for a in old.artifacts] == [a.file for a in default_export.artifacts]


# ------------------------------------------------------------------ reproducibility, per artifact kind
def _tree_bytes(path: Path) -> dict[str, bytes]:
    if path.is_file():
        return {path.name: path.read_bytes()}
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.key)
def test_two_default_exports_give_byte_identical_artifacts(default_export, second_default_export, target):
    entry = _entry(default_export, target.key)
    first, second = default_export.out_dir / entry.file, second_default_export / entry.file
    assert _tree_bytes(first) == _tree_bytes(second)  # every file of an .mlpackage, every byte
    assert path_sha256(second) == entry.sha256
    if target.suffix == ".ort":
        assert entry.build["canonical_bytes"]["rewritten_bytes"] > 0  # the hash-map-ordered part was rewritten


def test_two_default_exports_give_identical_operator_configs(default_export, second_default_export):
    for file in default_export.manifest.files:
        assert (default_export.out_dir / file.file).read_bytes() == (second_default_export / file.file).read_bytes(), file.file


def test_two_default_exports_differ_in_the_manifest_only_by_time(default_export, second_default_export):
    def flat(value, prefix=""):
        if isinstance(value, dict):
            return {k: v for key, item in value.items() for k, v in flat(item, f"{prefix}.{key}" if prefix else key).items()}
        if isinstance(value, list):
            return {k: v for i, item in enumerate(value) for k, v in flat(item, f"{prefix}[{i}]").items()}
        return {prefix: value}

    first = flat(json.loads((default_export.out_dir / MANIFEST_NAME).read_text()))
    second = flat(json.loads((second_default_export / MANIFEST_NAME).read_text()))
    assert first.keys() == second.keys()
    differing = {key for key in first if first[key] != second[key]}
    assert all(key == "created_utc" or key.endswith(".build.seconds") for key in differing), differing


# ------------------------------------------------------------------ the export extra not installed
def test_verify_without_onnxruntime_names_the_install_command(default_export):
    proc = run_mobrecon("verify", str(default_export.out_dir), "--quiet", blocked=("onnxruntime",))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "error: mobrecon verify needs onnxruntime, which is not installed; it comes with the export extra: "
        "pip install 'mobrecon-deploy[export]' (from a checkout: pip install -e '.[export]')"]


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
