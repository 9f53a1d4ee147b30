"""Ingest of synthetic phone results (clearly synthetic; real ones come from the harnesses): the host
recomputes, classifies and judges; refusals are one sentence."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from mobrecon_bench.devices.ingest import RECOMPUTED_SOURCE, ingest_results
from mobrecon_bench.errors import BenchmarkError
from mobrecon_bench.results.result_set import load_results
from mobrecon_bench.results.targets import ACCURACY_FAIL_VERDICT, OTHER_UNIT_VERDICT, judge

from .phones import phone_record, phone_result, write

pytestmark = pytest.mark.slow

ONNX = "mobrecon-densestack.fp32.onnx"


def _ingest(bundle, tmp_path, result, name="phone.json"):
    outcome = ingest_results([write(result, tmp_path / name)], bundle.folder, tmp_path / "ingested.json")
    return outcome, outcome.results[0].records[0]


def _verdict(rec, result):
    (verdict,) = judge(rec, device_class=result.device.device_class)
    return verdict


@pytest.mark.parametrize("fps, expected", [(80.0, "pass"), (50.0, "fail")])
def test_an_a14_cpu_result_is_judged_against_67_fps(default_bundle, tmp_path, fps, expected):
    result = phone_result(default_bundle, [phone_record(default_bundle, ONNX, fps=fps)])
    outcome, rec = _ingest(default_bundle, tmp_path, result)
    ingested = outcome.results[0]
    assert ingested.device.device_class == "apple-a14" and "iPhone 12" in ingested.ingest.device_class_rule
    assert rec.fps == pytest.approx(fps, rel=0.05)
    assert rec.accuracy.verdict == "pass" and rec.accuracy.source == RECOMPUTED_SOURCE
    assert rec.accuracy.vertex_error_mm_max == pytest.approx(0.0, abs=1e-6)
    assert _verdict(rec, ingested).verdict == expected
    assert f"67 FPS: {expected}" in outcome.format()
    assert load_results(tmp_path / "ingested.json")[0].records[0].fps == pytest.approx(rec.fps)


def test_a_neural_engine_result_is_not_comparable(default_bundle, tmp_path):
    result = phone_result(default_bundle, [phone_record(default_bundle, ONNX, fps=300.0, compute_unit="cpu+ane")])
    outcome, rec = _ingest(default_bundle, tmp_path, result)
    assert _verdict(rec, outcome.results[0]).verdict == OTHER_UNIT_VERDICT


def test_outputs_off_by_5_mm_fail_accuracy_by_that_amount_and_never_pass(default_bundle, tmp_path):
    result = phone_result(default_bundle, [phone_record(default_bundle, ONNX, fps=200.0, shift_mm=5.0)])
    outcome, rec = _ingest(default_bundle, tmp_path, result)
    assert rec.accuracy.verdict == "fail"
    assert rec.accuracy.vertex_error_mm_max == pytest.approx(5.0, rel=1e-4)
    assert "verts_max_mm 5" in rec.accuracy.reason
    assert _verdict(rec, outcome.results[0]).verdict == ACCURACY_FAIL_VERDICT


def test_a_median_that_disagrees_with_the_samples_is_recomputed_with_a_note(default_bundle, tmp_path):
    record = phone_record(default_bundle, ONNX, fps=80.0)
    true_median = record.median_ms
    record.median_ms, record.fps = 5.0, 200.0
    outcome, rec = _ingest(default_bundle, tmp_path, phone_result(default_bundle, [record]))
    assert rec.median_ms == pytest.approx(true_median) and rec.fps == pytest.approx(1000.0 / true_median)
    assert any("median_ms 5 vs" in n and "disagree" in n for n in outcome.notes), outcome.notes
    assert outcome.results[0].ingest.notes  # the note is kept in the written file too


def test_the_phones_own_accuracy_claim_is_not_trusted(default_bundle, tmp_path):
    record = phone_record(default_bundle, ONNX, fps=80.0, shift_mm=5.0)
    record.accuracy.verdict, record.accuracy.vertex_error_mm_max = "pass", 0.0
    outcome, rec = _ingest(default_bundle, tmp_path, phone_result(default_bundle, [record]))
    assert rec.accuracy.verdict == "fail"
    assert any("the phone judged its accuracy 'pass', the host 'fail'" in n for n in outcome.notes)


def test_a_wrong_hash_is_refused(default_bundle, tmp_path):
    record = phone_record(default_bundle, ONNX, fps=80.0)
    record.artifact.sha256 = "0" * 64
    with pytest.raises(BenchmarkError, match="not the artifact the bundle holds"):
        _ingest(default_bundle, tmp_path, phone_result(default_bundle, [record]))
    assert not (tmp_path / "ingested.json").exists()


def test_an_artifact_the_bundle_does_not_hold_is_refused(default_bundle, tmp_path):
    record = phone_record(default_bundle, ONNX, fps=80.0)
    record.artifact.file = "mobrecon-densestack.fp16.onnx"
    with pytest.raises(BenchmarkError, match="does not hold"):
        _ingest(default_bundle, tmp_path, phone_result(default_bundle, [record]))


def test_an_android_result_gets_its_soc_class(default_bundle, tmp_path):
    result = phone_result(default_bundle, [phone_record(default_bundle, ONNX, fps=90.0)], model_name="SM-S918B", platform="android")
    result.device.soc_manufacturer, result.device.soc_model = "QTI", "SM8550"
    outcome, rec = _ingest(default_bundle, tmp_path, result)
    assert outcome.results[0].device.device_class == "qualcomm-sm8550"
    assert "other device" in _verdict(rec, outcome.results[0]).verdict


def _cli(*args):
    from mobrecon.cli import app

    return CliRunner().invoke(app, ["bench", "ingest", *map(str, args)])


def test_bad_input_is_one_sentence_and_exit_2(default_bundle, tmp_path):
    not_json = tmp_path / "garbage.json"
    not_json.write_text("<html>")
    host = tmp_path / "host.json"
    write(phone_result(default_bundle, [phone_record(default_bundle, ONNX, fps=80.0)]), host)
    doc = json.loads(host.read_text())
    doc["harness"], doc["device"]["device_class"] = None, "host-x86_64"
    host.write_text(json.dumps(doc))
    no_samples = tmp_path / "no-samples.json"
    doc = phone_result(default_bundle, [phone_record(default_bundle, ONNX, fps=80.0)]).to_dict()
    doc["records"][0]["latency_ms_samples"] = []
    no_samples.write_text(json.dumps(doc))
    for path, words in ((not_json, "is not JSON"), (host, "is a host result"), (no_samples, "latency_ms_samples is empty"),
                        (tmp_path / "absent.json", "does not exist")):
        run = _cli(path, "--bundle", default_bundle.folder, "--out", tmp_path / "out.json")
        assert run.exit_code == 2, run.output
        (line,) = [ln for ln in run.output.splitlines() if ln.strip() and not ln.startswith("ingesting ")]
        assert line.startswith("error: ") and words in line, line
        assert not (tmp_path / "out.json").exists()
    run = _cli(host, "--bundle", tmp_path, "--out", tmp_path / "out.json")
    assert run.exit_code == 2 and "not a bundle" in run.output
