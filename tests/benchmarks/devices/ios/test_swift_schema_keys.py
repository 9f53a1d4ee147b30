"""The Swift result types write the result schema, and the Swift bundle types read the bundle schema.

The types, their CodingKeys and enum raw values are read from the syntax tree of the Swift sources
(tests/benchmarks/devices/ios/swift_source.py) and followed through the schema (schema_check.py). The
mutation tests change one thing in a copy of the sources and require the check to catch it, so the
check cannot pass by reading nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.benchmarks.devices.ios.conftest import IOS_HARNESS, swift_files
from tests.benchmarks.devices.ios.schema_check import check
from tests.benchmarks.devices.ios.swift_source import read_types

SOURCES = IOS_HARNESS / "Sources"


def _types(root: Path = SOURCES):
    return read_types(swift_files(root))


def test_result_types_write_the_result_schema(result_schema):
    problems = check(_types(), "ResultFile", result_schema, mode="encode")
    assert problems == []


def test_bundle_types_read_the_bundle_schema(bundle_schema):
    problems = check(_types(), "BundleIndex", bundle_schema, mode="decode")
    assert problems == []


def test_every_record_key_the_harness_writes_is_listed(result_schema):
    """The keys of a phone record, as written, beside the schema's record: none invented, all required present."""
    record = _types()["ResultRecord"]
    written = set(record.coding_keys.values())
    schema_record = result_schema["$defs"]["record"]
    assert written <= set(schema_record["properties"])
    assert set(schema_record["required"]) <= written
    # the phone-only fields of the contract (section 3) are all written
    assert {"compile_ms", "memory", "thermal_state_start", "thermal_state_end", "raw_outputs"} <= written


# Each mutation: (file under Sources/, text to replace (exactly once), replacement, what the check must say).
MUTATIONS = [
    ("MobReconHarness/Result/ResultRecord.swift", 'case medianMs = "median_ms"', 'case medianMs = "median_msec"',
     "'median_msec', which the schema does not have"),
    ("MobReconHarness/Result/ResultRecord.swift", "        case threads\n", "",
     "required key 'threads' is not written"),
    ("MobReconHarness/Result/ResultRecord.swift", "public var threads: Int\n", "public var threads: Double\n",
     "$.records[].threads: Swift Double where the schema has ['integer']"),
    ("MobReconHarness/Result/ResultRecord.swift", "public var reason: Nullable<String>", "public var reason: String?",
     "required key 'reason' is Optional"),
    ("MobReconHarness/Result/ResultRecord.swift", 'case exportFailed = "export_failed"', 'case exportFailed = "exportFailed"',
     "RecordStatus.exportFailed writes 'exportFailed'"),
    ("MobReconHarness/Result/ResultFile.swift", 'case modelName = "model_name"', 'case modelName = "model"',
     "$.device: DeviceInfo.modelName is written as 'model'"),
    ("MobReconHarness/Result/ResultRecord.swift", 'case dataBase64 = "data_base64"', 'case dataBase64 = "data"',
     "$.records[].raw_outputs.rounds[][]: TensorRecord.dataBase64 is written as 'data'"),
    ("MobReconHarness/Result/ResultRecord.swift", "public var latencyMsSamples: [[Double]]", "public var latencyMsSamples: [Double]",
     "$.records[].latency_ms_samples[]: Swift Double where the schema has ['array']"),
    ("MobReconHarness/Result/ResultFile.swift", "public var start: Nullable<String>", "public var start: Nullable<Int>",
     "$.thermal.start: Swift Int where the schema has ['string']"),
]  # fmt: skip


@pytest.mark.parametrize("relative, old, new, expected", MUTATIONS, ids=[m[3][:48] for m in MUTATIONS])
def test_the_result_check_catches_a_drifted_writer(tmp_path, result_schema, relative, old, new, expected):
    copy = tmp_path / "Sources"
    shutil.copytree(SOURCES, copy)
    path = copy / relative
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"the mutation's anchor {old!r} is not exactly once in {relative}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    problems = check(_types(copy), "ResultFile", result_schema, mode="encode")
    assert any(expected in p for p in problems), f"expected a problem containing {expected!r}, got {problems}"


def test_the_bundle_check_catches_a_drifted_reader(tmp_path, bundle_schema):
    copy = tmp_path / "Sources"
    shutil.copytree(SOURCES, copy)
    path = copy / "MobReconHarness/Bundle/BundleIndex.swift"
    text = path.read_text(encoding="utf-8")
    old = 'case recordName = "record_name"'
    assert text.count(old) == 1
    path.write_text(text.replace(old, 'case recordName = "recordName"'), encoding="utf-8")
    problems = check(_types(copy), "BundleIndex", bundle_schema, mode="decode")
    assert any("'recordName', which the schema does not have" in p for p in problems), problems


def test_the_check_reads_a_schema_change_too(result_schema):
    """A key the schema drops is caught as well (the check reads both sides)."""
    schema = {**result_schema, "$defs": {**result_schema["$defs"]}}
    record = dict(schema["$defs"]["record"])
    record["properties"] = {k: v for k, v in record["properties"].items() if k != "compile_ms"}
    schema["$defs"]["record"] = record
    problems = check(_types(), "ResultFile", schema, mode="encode")
    assert any("'compile_ms', which the schema does not have" in p for p in problems), problems
