"""The suite's rows from an export folder: forms, names, cost, accuracy verdicts, skipped Core ML.

A tiny stand-in model (dict outputs ``verts``, ``uv`` like MobRecon) and a hand-made manifest keep
this fast; the real models are exercised by ``mobrecon bench run`` itself, not by unit tests.
"""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import numpy as np
import pytest

from mobrecon_bench.running import suite
from mobrecon_bench.running.benchmark import run_benchmark
from mobrecon_bench.errors import BenchmarkError
from mobrecon_bench.reports.report_sections import render_text_table

SIZE = 16


def _tiny_hand():
    import torch
    from torch import nn

    class TinyHand(nn.Module):
        """image [1, 3, 16, 16] -> verts [1, 5, 3], uv [1, 21, 2]."""

        def __init__(self):
            super().__init__()
            self.conv, self.verts, self.uv = nn.Conv2d(3, 4, 4, stride=4), nn.Linear(64, 15), nn.Linear(64, 42)
            self.card = SimpleNamespace(input_size=SIZE)

        def forward(self, x):
            h = torch.relu(self.conv(x)).flatten(1)
            return {"verts": self.verts(h).view(-1, 5, 3), "uv": self.uv(h).view(-1, 21, 2)}

    torch.manual_seed(0)
    return TinyHand().eval()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """An ExportFolder with fp32 and int8 (failed verification) ONNX rows and a Core ML package."""
    from mobrecon_bench.running.naive_onnx import export_naive_onnx
    from mobrecon_export.manifest import VerificationResult
    from mobrecon_export.verify import LIMITS, reference_outputs

    root = tmp_path_factory.mktemp("export")
    model = _tiny_hand()
    fp32 = export_naive_onnx(model, root / "mobrecon-ghoststack.fp32.onnx", input_size=SIZE)
    shutil.copy(fp32, root / "mobrecon-ghoststack.int8.onnx")
    (root / "mobrecon-ghoststack.fp32.mlpackage").mkdir()
    ok = VerificationResult("pass", metrics={"verts": {"verts_max_mm": 0.01}, "uv": {"uv_max_px": 0.002}})
    bad = VerificationResult("fail", reason="uv_max_px 5.1 > 3 px", metrics={"verts": {"verts_max_mm": 9.0}, "uv": {"uv_max_px": 5.1}})
    entry = lambda f, t, p, v: SimpleNamespace(file=f, target=t, precision=p, verification=v)  # noqa: E731
    manifest = SimpleNamespace(
        model=SimpleNamespace(variant="ghoststack"), limits=LIMITS, options={},
        artifacts=[entry(fp32.name, "onnx", "fp32", ok), entry("mobrecon-ghoststack.int8.onnx", "onnx", "int8", bad),
                   entry("mobrecon-ghoststack.fp32.mlpackage", "coreml", "fp32", None)],
    )  # fmt: skip
    rng = np.random.default_rng(0)
    inputs = [(f"r{i}", rng.uniform(-1, 1, (1, 3, SIZE, SIZE)).astype(np.float32)) for i in range(2)]
    return suite.ExportFolder(root, manifest, model, model, inputs, reference_outputs(model, inputs))


def test_artifact_names_drop_the_precision():
    assert suite.artifact_name("mobrecon-densestack.nnapi.int8.ort", "int8") == "mobrecon-densestack.nnapi.ort"
    assert suite.artifact_name("mobrecon-densestack.fp32.onnx", "fp32") == "mobrecon-densestack.onnx"


def test_export_folders(tmp_path):
    with pytest.raises(BenchmarkError, match="does not exist"):
        suite.export_folders(tmp_path / "absent")
    with pytest.raises(BenchmarkError, match="no manifest.json"):
        suite.export_folders(tmp_path)
    for name in ("b", "a"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "manifest.json").write_text("{}")
    assert [p.name for p in suite.export_folders(tmp_path)] == ["a", "b"]
    assert suite.export_folders(tmp_path / "a") == [tmp_path / "a"]


def test_suite_rows_smoke(folder, tmp_path, monkeypatch):
    """ONE short real run of the suite's rows on the stand-in model."""
    monkeypatch.setattr(suite, "_mult_adds", lambda variant: 1000)
    runners = suite.suite_runners([folder], tmp_path, verify=False, skip_mediapipe=True)
    names = [(r.name, r.precision, r.form) for r in runners]
    assert names == [
        ("mobrecon-ghoststack.torch-reference", "fp32", "reference"),
        ("mobrecon-ghoststack.torch-deploy", "fp32", "deploy"),
        ("mobrecon-ghoststack.naive.onnx", "fp32", "naive-export"),
        ("mobrecon-ghoststack.onnx", "fp32", "deploy"),
        ("mobrecon-ghoststack.onnx", "int8", "deploy"),
        ("mobrecon-ghoststack.mlpackage", "fp32", "deploy"),
        ("yardstick.onnx", "fp32", "yardstick"),
    ]
    result = run_benchmark(runners, threads=[1], rounds=1, warmup=1, min_iters=2, time_budget_s=0.0, skip_floor=True,
                           progress=False)  # fmt: skip
    rec = {(r.artifact.name, r.artifact.precision): r for r in result.records}
    int8 = rec["mobrecon-ghoststack.onnx", "int8"]
    assert int8.status == "ok" and int8.accuracy.verdict == "fail" and "uv_max_px" in int8.accuracy.reason
    assert rec["mobrecon-ghoststack.onnx", "fp32"].accuracy.verdict == "pass"
    assert rec["mobrecon-ghoststack.torch-deploy", "fp32"].accuracy.verdict == "pass"  # measured: same model
    assert rec["mobrecon-ghoststack.naive.onnx", "fp32"].accuracy.source.startswith("measured")
    assert rec["mobrecon-ghoststack.torch-reference", "fp32"].accuracy.verdict == "reference"
    coreml = rec["mobrecon-ghoststack.mlpackage", "fp32"]
    assert (coreml.status, coreml.reason) == ("skipped", suite.COREML_SKIP_REASON)
    assert all(r.cost.mult_adds == 1000 for r in result.records if r.status == "ok" and r.artifact.variant)
    stick = rec["yardstick.onnx", "fp32"]
    assert stick.status == "ok" and stick.artifact.variant is None and stick.cost.mult_adds > 50e6
    table = render_text_table(result)
    assert "FAIL 9 mm / 5.1 px" in table and "skipped: Core ML prediction needs macOS/iOS" in table
    assert "n/a: yardstick, not a model" in table and "note: yardstick.onnx is not a model" in table


def test_suite_without_the_yardstick(folder, tmp_path):
    runners = suite.suite_runners([folder], tmp_path, verify=False, skip_torch=True, skip_naive=True,
                                  skip_mediapipe=True, skip_yardstick=True)  # fmt: skip
    assert all(r.form != "yardstick" for r in runners) and not (tmp_path / "yardstick.onnx").exists()
