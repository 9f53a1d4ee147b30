"""The Android harness's Kotlin, compiled and run on this host.

- harness-core (plain Kotlin) and its JUnit suite on the JVM: every test the sources declare ran and passed,
  among them the pipeline port (crop, registration) against the shared vectors in tests/vectors/pipeline/;
- the Android-only sources type-check against the named API stubs (tests/android_harness/android_api_stubs);
- the replay main on a numpy-made bundle writes a result file that the host's own schema validation,
  statistics and accuracy maths agree with, to the last bit where the definitions are the same code paths;
- a known 5 mm shift is judged an accuracy failure of 5 mm by the phone's maths and the host's.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tests.android_harness import kotlin_build
from tests.android_harness.conftest import JUNIT_COUNT, run_replay

REPLAY_OUT = kotlin_build.HARNESS / "build" / "replay"
#: The shared pipeline test vectors the Kotlin port of the crop and registration is compared with.
VECTORS = kotlin_build.REPO_ROOT / "tests" / "vectors"


def test_junit_suite_passes_every_declared_test(host_build, request):
    """Every @Test of harness-core, the pipeline port's against the shared vectors (tests/vectors) among them."""
    assert (VECTORS / "pipeline" / "crop.json").is_file() and (VECTORS / "pipeline" / "registration.json").is_file()
    proc = subprocess.run([host_build.toolchain.java, f"-Dmobrecon.vectors={VECTORS}",
                           "-cp", ":".join(map(str, [host_build.tests_jar, host_build.core_jar, *host_build.toolchain.test_classpath()])),
                           "org.junit.runner.JUnitCore", *host_build.test_classes()], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    ran = int(re.search(r"^OK \((\d+) tests?\)$", proc.stdout, re.M).group(1))
    declared = sum(p.read_text().count("@Test\n") for p in kotlin_build.CORE_TEST.rglob("*.kt"))
    assert ran == declared > 0
    # the vector comparisons print one line per quantity (max |diff| vs tolerance): all of them must have run
    vector_lines = re.findall(r"pipeline-vectors .*", proc.stdout)
    assert {q for q in ("crop.json matrix:", "crop.json k_crop:", "crop.json crop_samples", "crop.json warp", "registration.json t_m:",
                        "registration.json rounds") if not any(q in line for line in vector_lines)} == set()
    request.config.stash[JUNIT_COUNT] = "\n".join(
        [f"harness-core JUnit suite (Kotlin, run by test_junit_suite_passes_every_declared_test): {ran} tests ran, all passed",
         *(f"  {line}" for line in vector_lines)])


def test_android_only_sources_type_check_against_the_stubs(host_build):
    with zipfile.ZipFile(host_build.android_check_jar) as z:
        names = set(z.namelist())
    for cls in ("mobrecon/harness/android/OrtEngine.class", "mobrecon/harness/android/OrtEngineSession.class",
                "mobrecon/harness/android/AndroidProbe.class", "mobrecon/harness/android/AndroidDevice.class",
                "mobrecon/harness/android/AndroidHarness.class", "mobrecon/harness/android/HandMeshPipeline.class",
                "mobrecon/harness/android/OrtMeshModel.class", "mobrecon/harness/app/MainActivity.class",
                "mobrecon/harness/app/HarnessInstrumentedTest.class"):
        assert cls in names
    # the stubs are not part of what was checked into the jar: only the project's own classes
    assert not any(n.startswith(("android/", "ai/onnxruntime/", "androidx/")) for n in names)


def test_numpy_bundle_follows_the_bundle_schema(numpy_bundle):
    from jsonschema import Draft202012Validator

    schema = json.loads((Path(__file__).resolve().parents[2] / "benchmarks" / "devices" / "bundle.schema.json").read_text())
    errors = list(Draft202012Validator(schema).iter_errors(numpy_bundle.index))
    assert not errors, errors[0].message


def _replay(host_build, numpy_bundle, name: str, *extra: str) -> Path:
    out = REPLAY_OUT / name
    proc = run_replay(host_build, numpy_bundle.folder, out, "--rounds", "3", "--time-budget-s", "0.005", "--eps", "cpu,xnnpack",
                      "--threads", "1,2", *extra)
    assert proc.returncode == 0, proc.stderr
    return out


def _raw(rec, round_index: int) -> dict[str, np.ndarray]:
    return {t.name: np.frombuffer(base64.b64decode(t.data_base64), "<f4").reshape(t.shape)
            for t in rec.raw_outputs.rounds[round_index]}


@pytest.fixture(scope="module")
def exact_result(host_build, numpy_bundle):
    return _replay(host_build, numpy_bundle, "result-expected-outputs.json")


def test_replay_result_validates_and_statistics_match_the_host_exactly(exact_result, numpy_bundle):
    from mobrecon_bench.results.schema import load_result
    from mobrecon_bench.results.stats import summarize

    result = load_result(exact_result)
    assert result.schema_version == 2 and result.harness.platform == "android"
    assert result.bundle.inputs_sha256 == numpy_bundle.index["inputs"]["tensor"]["sha256"]
    assert result.device.device_class == "unclassified" and result.device.model_name == "jvm-replay"
    # 2 artifacts x (cpu, xnnpack) x threads (1, 2)
    assert [(r.artifact.file, r.runtime.compute_unit, r.threads) for r in result.records] == [
        (a, u, t) for a in ("mobrecon-densestack.nnapi.fp32.ort", "mobrecon-densestack.int8.onnx") for u in ("cpu", "xnnpack") for t in (1, 2)]
    for rec in result.records:
        assert rec.status == "ok" and rec.runtime.name == "expected-outputs-replay"
        assert len(rec.latency_ms_samples) == 3 and len(rec.session_load_ms) == 3
        assert {len(r) for r in rec.latency_ms_samples} == {rec.iterations_per_round}
        s = summarize(rec.latency_ms_samples)
        phone = (rec.median_ms, rec.p10_ms, rec.p90_ms, rec.trimmed_mean_ms, rec.mad_ms, rec.round_median_ms, rec.round_spread_pct, rec.fps)
        host = (s.median_ms, s.p10_ms, s.p90_ms, s.trimmed_mean_ms, s.mad_ms, s.round_median_ms, s.round_spread_pct, s.fps)
        assert phone == host, (phone, host)


def test_replay_raw_outputs_are_the_expected_outputs_and_accuracy_matches_the_host(exact_result, numpy_bundle):
    from mobrecon_bench.results.schema import load_result
    from mobrecon_export.verify import compare

    for rec in load_result(exact_result).records:
        for r in range(3):
            raw = _raw(rec, r)
            np.testing.assert_array_equal(raw["verts"], numpy_bundle.verts)
            np.testing.assert_array_equal(raw["uv"], numpy_bundle.uv)
        assert rec.accuracy.verdict == "pass" and rec.accuracy.source == "measured on device"
        assert rec.accuracy.vertex_error_mm_max == 0.0 and rec.accuracy.joint2d_error_px_max == 0.0
        table, failed = compare({"verts": numpy_bundle.verts, "uv": numpy_bundle.uv}, raw, {"verts_max_mm": 0.4, "uv_max_px": 0.05})
        assert failed == [] and table["verts"]["verts_max_mm"] == 0.0


def test_a_5_mm_shift_is_an_accuracy_failure_of_5_mm_on_both_sides(host_build, numpy_bundle):
    from mobrecon_bench.results.schema import load_result
    from mobrecon_export.verify import compare

    result = load_result(_replay(host_build, numpy_bundle, "result-shifted-5mm.json", "--shift-mm", "5"))
    for rec in result.records:
        limits = {"verts_max_mm": 0.4, "uv_max_px": 0.05} if rec.artifact.precision == "fp32" else {"verts_max_mm": 10.0, "uv_max_px": 3.0}
        host_worst = max(compare({"verts": numpy_bundle.verts, "uv": numpy_bundle.uv}, _raw(rec, r), limits)[0]["verts"]["verts_max_mm"]
                         for r in range(3))
        assert host_worst == pytest.approx(5.0, abs=2e-3)  # float32 rounding of the shifted coordinates
        assert rec.accuracy.vertex_error_mm_max == pytest.approx(host_worst, rel=1e-12)
        assert rec.accuracy.joint2d_error_px_max == 0.0
        if rec.artifact.precision == "fp32":
            assert rec.accuracy.verdict == "fail" and rec.accuracy.reason == "verts_max_mm 5 > 0.4 mm"
        else:  # int8 limit is 10 mm: a 5 mm shift passes it
            assert rec.accuracy.verdict == "pass"
        assert rec.status == "ok"


def test_bench_report_renders_the_kotlin_written_file(exact_result, tmp_path):
    from typer.testing import CliRunner

    from mobrecon_bench.cli import bench_app

    res = CliRunner().invoke(bench_app, ["report", str(exact_result), "--out", str(tmp_path / "report")])
    assert res.exit_code == 0, res.output
    md = (tmp_path / "report" / "report.md").read_text()
    assert "mobrecon-densestack.nnapi.ort" in md and "jvm-replay" in md


def test_replay_bad_input_is_one_line_and_exit_2(host_build, numpy_bundle, tmp_path):
    missing = run_replay(host_build, tmp_path / "nowhere", tmp_path / "r.json")
    assert missing.returncode == 2 and missing.stderr.strip().splitlines()[-1].startswith("error: no bundle.json in ")
    (tmp_path / "b").mkdir()
    changed = write_changed_copy(numpy_bundle.folder, tmp_path / "b")
    proc = run_replay(host_build, changed, tmp_path / "r.json")
    assert proc.returncode == 2 and "refusing to load a changed file" in proc.stderr
    assert not (tmp_path / "r.json").exists()


def write_changed_copy(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst, dirs_exist_ok=True)
    art = dst / "artifacts" / "mobrecon-densestack.nnapi.fp32.ort"
    art.write_bytes(art.read_bytes() + b"!")
    return dst


def test_profile_placement_matches_a_real_ort_profile(host_build, tmp_path):
    """An ORT session profile from this host's onnxruntime, read by the Kotlin parser and by Python."""
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper

    nodes = [helper.make_node("Relu", ["x"], ["a"], name="relu"), helper.make_node("Add", ["a", "x"], ["b"], name="add"),
             helper.make_node("Sigmoid", ["b"], ["y"], name="sig")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    onnx.save(model, tmp_path / "m.onnx")
    so = ort.SessionOptions()
    so.enable_profiling = True
    so.profile_file_prefix = str(tmp_path / "prof")
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(str(tmp_path / "m.onnx"), so, providers=["CPUExecutionProvider"])
    for _ in range(3):
        sess.run(None, {"x": np.ones((1, 8), np.float32)})
    profile = sess.end_profiling()
    events = json.loads(Path(profile).read_text())
    python_count: dict[str, set[str]] = {}
    for e in events:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
            python_count.setdefault(e["args"]["provider"], set()).add(e["name"].removesuffix("_kernel_time"))
    proc = subprocess.run([host_build.toolchain.java, "-cp", host_build.runtime_classpath(), "mobrecon.harness.core.placement.ProfileSummaryMain",
                           profile], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {k: len(v) for k, v in python_count.items()} == {"CPUExecutionProvider": 3}
