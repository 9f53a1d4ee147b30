"""Result schema: round trip, atomic writes, and the validation failures a user can cause."""

from __future__ import annotations

import json

import pytest

from mobrecon_bench.errors import BenchmarkError
from mobrecon_bench.results.schema import (
    SCHEMA_VERSION,
    STATUSES,
    BenchmarkResult,
    ComputeFloor,
    HostLoad,
    load_result,
    result_schema,
    save_result,
    validate_document,
)

from ..synthetic import lognormal_rounds, make_record, make_result


@pytest.fixture
def result() -> BenchmarkResult:
    res = make_result(
        [
            make_record(lognormal_rounds(0, rounds=2, n=5)),
            make_record(None, name="ghoststack", variant="ghoststack", status="export_failed", reason="boom"),
        ]
    )
    res.compute_floor = [ComputeFloor("torch", "2.13", 1, 3.0e10, 512, 5)]
    res.records[0].accuracy.vertex_error_mm_max = 0.01
    res.records[0].accuracy.verdict, res.records[0].accuracy.reason = "fail", "uv_max_px 5.1 > 3 px"
    res.records[0].artifact.form = "deploy"
    res.records[0].cost.mult_adds = 439_900_000
    res.host_load = HostLoad([1.5, 1.2, 1.0], [1.7, 1.3, 1.0])
    return res


def test_json_round_trip(result):
    text = result.to_json()
    assert json.loads(text)["schema_version"] == SCHEMA_VERSION
    assert BenchmarkResult.from_json(text) == result


def test_save_is_atomic_and_loads_back(result, tmp_path):
    path = save_result(result, tmp_path / "sub" / "result.json")
    assert load_result(path) == result
    assert [p.name for p in path.parent.iterdir()] == ["result.json"]  # no temp file left behind


def test_a_timed_row_can_fail_its_accuracy_and_old_files_still_load(result):
    doc = json.loads(result.to_json())
    rec = doc["records"][0]
    assert (rec["status"], rec["accuracy"]["verdict"]) == ("ok", "fail")  # timed, accuracy verdict fail
    for key in ("verdict", "reason", "source"):
        del rec["accuracy"][key]
    del rec["artifact"]["form"], rec["artifact"]["task"], doc["host_load"]  # a file written before these fields
    assert BenchmarkResult.from_dict(doc).records[0].accuracy.verdict is None


def test_save_refuses_an_invalid_result(result, tmp_path):
    result.records[0].threads = 0
    with pytest.raises(BenchmarkError, match="threads"):
        save_result(result, tmp_path / "r.json")
    assert not (tmp_path / "r.json").exists()


def test_statuses_match_the_json_schema():
    record = result_schema()["$defs"]["record"]["properties"]
    assert tuple(record["status"]["enum"]) == STATUSES


def _break(doc: dict, how: str) -> dict:
    rec = doc["records"][0]
    if how == "missing field":
        del doc["device"]
    elif how == "wrong type":
        rec["threads"] = "two"
    elif how == "unknown status":
        rec["status"] = "crashed"
    elif how == "extra field":
        rec["latency_ms"] = 1.0
    elif how == "negative sample":
        rec["latency_ms_samples"][0][0] = -1.0
    elif how == "ok without samples":
        rec["latency_ms_samples"] = [[]]
    elif how == "failure without reason":
        doc["records"][1]["reason"] = None
    elif how == "newer version":
        doc["schema_version"] = SCHEMA_VERSION + 1
    elif how == "bad sha256":
        rec["artifact"]["sha256"] = "xyz"
    elif how == "unknown accuracy verdict":
        rec["accuracy"]["verdict"] = "meh"
    return doc


@pytest.mark.parametrize(
    "how, words",
    [
        ("missing field", "missing required field 'device'"),
        ("wrong type", "$.records[0].threads: expected integer, got string"),
        ("unknown status", "'crashed' is not one of"),
        ("extra field", "unexpected field 'latency_ms'"),
        ("negative sample", "$.records[0].latency_ms_samples[0][0]"),
        ("ok without samples", "status 'ok' but latency_ms_samples is empty"),
        ("failure without reason", "needs a reason"),
        ("newer version", "newer than this tool reads"),
        ("bad sha256", "does not match pattern"),
        ("unknown accuracy verdict", "'meh' is not one of"),
    ],
)
def test_validation_names_the_problem(result, how, words):
    doc = _break(json.loads(result.to_json()), how)
    problems = validate_document(doc)
    assert any(words in p for p in problems), problems
    with pytest.raises(BenchmarkError, match="not a valid benchmark result"):
        BenchmarkResult.from_dict(doc)


def test_load_errors_are_one_sentence(tmp_path):
    with pytest.raises(BenchmarkError, match="does not exist"):
        load_result(tmp_path / "absent.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(BenchmarkError, match="is not JSON"):
        load_result(bad)


def test_the_schema_is_valid_json_schema():
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(result_schema())


def test_version_1_documents_still_validate(result):
    doc = json.loads(result.to_json())
    doc["schema_version"] = 1
    for key in ("harness", "bundle", "thermal", "ingest"):
        del doc[key]
    for rec in doc["records"]:
        for key in ("compile_ms", "memory", "thermal_state_start", "thermal_state_end", "raw_outputs"):
            del rec[key]
        for key in ("execution_provider", "options", "nodes_by_provider", "nodes_by_provider_source"):
            del rec["runtime"][key]
    assert validate_document(doc) == []
    assert BenchmarkResult.from_dict(doc).schema_version == 1


def test_phone_fields_round_trip(result):
    from mobrecon_bench.results.schema import BundleRef, Harness, MemorySamples, RawOutputs, Tensor, Thermal

    result.harness = Harness("mobrecon-android-harness", "0.1.0", "android")
    result.bundle = BundleRef("mobrecon-device-bundle/1", "a" * 64, "b" * 64)
    result.thermal = Thermal("android-thermal-status", "none", "light")
    rec = result.records[0]
    rec.runtime.compute_unit, rec.runtime.execution_provider = "nnapi", "NnapiExecutionProvider"
    rec.runtime.options = {"NNAPI_FLAG_USE_FP16": False, "intra_op_num_threads": 1}
    rec.memory = MemorySamples("pss", [80.0, 81.0], [120.5, 121.0])
    rec.raw_outputs = RawOutputs("b" * 64, [[Tensor("uv", [1, 21, 2], "float32", "little", "AAAA")]])
    assert BenchmarkResult.from_json(result.to_json()) == result


def test_problems_stay_short_for_huge_values(result):
    doc = json.loads(result.to_json())
    doc["records"][0]["raw_outputs"] = {"inputs_sha256": "b" * 64, "rounds": "x" * 100_000}
    problems = validate_document(doc)
    assert problems and all(len(p) < 300 for p in problems), problems
