"""A hand-made example of the result file the iOS harness writes (not from a phone).

It has the shape the Swift writer gives (ResultFile / ResultRecord: reason written as null when ok,
host_load null, compute_floor empty, raw outputs as base64 little-endian float32) for an iPhone 12
(iPhone13,2) running one Core ML cpuOnly record; the numbers are made up. The driver tests pass it
through a fake .xcresult; test_ios_driver.py also validates it against result.schema.json.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np

INPUTS_SHA256 = "1" * 64
BUNDLE_SHA256 = "2" * 64
ARTIFACT_SHA256 = "3" * 64


def _tensor(name: str, shape: list[int]) -> dict[str, Any]:
    data = np.zeros(shape, dtype="<f4").tobytes()
    return {"byte_order": "little", "data_base64": base64.b64encode(data).decode(), "dtype": "float32", "name": name, "shape": shape}


def example_result(n_inputs: int = 2) -> dict[str, Any]:
    """An iPhone 12 result with one Core ML cpuOnly record (made-up numbers)."""
    rng = np.random.default_rng(3)
    rounds = [np.round(rng.normal(14.0, 0.3, 20), 6).tolist() for _ in range(3)]
    pooled = np.concatenate(rounds)
    median = float(np.median(pooled))
    record = {
        "artifact": {"file": "mobrecon-densestack.fp32.mlpackage", "form": "deploy", "format": "mlpackage",
                     "name": "mobrecon-densestack.mlpackage", "precision": "fp32", "sha256": ARTIFACT_SHA256,
                     "variant": "densestack"},
        "runtime": {"compute_unit": "cpu", "name": "coreml", "version": "iOS 17.5.1",
                    "options": {"MLComputeUnits": "cpuOnly", "allowLowPrecisionAccumulationOnGPU": False, "threads": "runtime-chosen"}},
        "threads": 6, "status": "ok", "reason": None,
        "latency_ms_samples": rounds, "session_load_ms": [41.2, 39.8, 40.5], "iterations_per_round": 20,
        "median_ms": median, "p10_ms": float(np.percentile(pooled, 10)), "p90_ms": float(np.percentile(pooled, 90)),
        "trimmed_mean_ms": median, "mad_ms": 0.2, "round_median_ms": [float(np.median(r)) for r in rounds],
        "round_spread_pct": 1.0, "fps": 1000.0 / median,
        "accuracy": {"joint2d_error_px_max": 0.001, "source": "measured on device", "verdict": "pass", "vertex_error_mm_max": 0.02},
        "cost": {"achieved_mult_adds_per_s": 439.9e6 / (median / 1000.0), "mult_adds": 439_900_000},
        "compile_ms": 812.4,
        "memory": {"after_mib": [61.0, 61.5, 61.2], "before_mib": [38.0, 38.2, 38.1], "metric": "phys_footprint"},
        "thermal_state_start": "nominal", "thermal_state_end": "nominal",
        "raw_outputs": {"inputs_sha256": INPUTS_SHA256,
                        "rounds": [[_tensor("verts", [n_inputs, 778, 3]), _tensor("uv", [n_inputs, 21, 2])] for _ in rounds]},
    }  # fmt: skip
    return {
        "schema_version": 2, "created_utc": "2026-03-01T12:00:00Z", "host": "iPhone13,2",
        "device": {"abi": "arm64", "cpu_model": "cputype 16777228 subtype 2", "device_class": "unclassified",
                   "logical_cores": 6, "manufacturer": "Apple", "model_name": "iPhone13,2", "os": "iOS 17.5.1",
                   "os_name": "iOS", "os_version": "17.5.1", "usable_cores": 6},
        "tool_versions": {"ios": "17.5.1", "mobrecon-ios-harness": "0.1.0", "onnxruntime": "1.24.2", "xcode": "1600"},
        "method": {"alternate_order": True, "interleaved": True, "min_iters": 20, "rounds": 3, "time_budget_s": 1.0,
                   "timer": "ContinuousClock", "trim_fraction": 0.1, "warmup_iters": 10},
        "compute_floor": [], "records": [record], "host_load": None,
        "harness": {"name": "mobrecon-ios-harness", "platform": "ios", "version": "0.1.0"},
        "bundle": {"bundle_json_sha256": BUNDLE_SHA256, "format": "mobrecon-device-bundle/1", "inputs_sha256": INPUTS_SHA256},
        "thermal": {"end": "nominal", "scale": "ios-thermal-state", "start": "nominal"},
    }  # fmt: skip


def example_result_text() -> str:
    return json.dumps(example_result(), indent=2, sort_keys=True)


def example_result_for_bundle(bundle: Any, artifact_id: str, *, median_ms: float = 12.5) -> dict[str, Any]:
    """The example made consistent with a real bundle (``mobrecon_bench.devices.bundle_read.Bundle``): its
    artifact, hashes and expected outputs as the raw outputs, an ONNX Runtime CPU EP record as the
    Swift ORTEngine describes it, latencies around ``median_ms``."""
    doc = example_result()
    artifact = bundle.artifact(artifact_id)
    record = doc["records"][0]
    record["artifact"] = {"file": artifact["id"], "form": "deploy", "format": artifact["format"], "name": artifact["record_name"],
                          "precision": artifact["precision"], "sha256": artifact["sha256"], "variant": artifact["variant"]}  # fmt: skip
    record["runtime"] = {"compute_unit": "cpu", "execution_provider": "CPUExecutionProvider", "name": "onnxruntime",
                         "options": {"intra_op_num_threads": 6.0}, "version": "1.24.2"}  # fmt: skip
    del record["compile_ms"]  # ONNX Runtime has no compile step: the Swift writer leaves the key out
    from mobrecon_bench.results.stats import summarize

    rounds = [[median_ms * (1 + 0.01 * ((i * 7 + r) % 5 - 2)) for i in range(20)] for r in range(3)]
    s = summarize(rounds)  # the phone's own figures, by the host's definitions (as the Swift core computes them)
    record.update(latency_ms_samples=rounds, median_ms=s.median_ms, p10_ms=s.p10_ms, p90_ms=s.p90_ms,
                  trimmed_mean_ms=s.trimmed_mean_ms, mad_ms=s.mad_ms, round_median_ms=s.round_median_ms,
                  round_spread_pct=s.round_spread_pct, fps=s.fps)  # fmt: skip
    record["accuracy"].update(vertex_error_mm_max=0.0, joint2d_error_px_max=0.0)
    expected = bundle.expected_outputs(artifact["model"])
    tensors = [{"byte_order": "little", "data_base64": base64.b64encode(np.ascontiguousarray(expected[name], "<f4").tobytes()).decode(),
                "dtype": "float32", "name": name, "shape": list(expected[name].shape)} for name in ("verts", "uv")]  # fmt: skip
    record["raw_outputs"] = {"inputs_sha256": bundle.inputs_sha256, "rounds": [tensors for _ in rounds]}
    doc["bundle"] = {"bundle_json_sha256": bundle.index_sha256, "format": "mobrecon-device-bundle/1", "inputs_sha256": bundle.inputs_sha256}
    return doc
