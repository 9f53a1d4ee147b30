"""Synthetic phone results, clearly labelled as such: what a harness would write for a bundle.

Real phone results come from ``android_harness/`` and ``ios_harness/``; these exist so ingest can be
tested on known answers (a known FPS, a known output shift in millimetres).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import numpy as np

from mobrecon_bench.devices.bundle_read import Bundle
from mobrecon_bench.results.schema import (
    Accuracy, Artifact, BenchmarkRecord, BenchmarkResult, BundleRef, Device, Harness, Method, RawOutputs, RuntimeInfo,
    Tensor, Thermal,
)  # fmt: skip
from mobrecon_bench.results.stats import summarize

SYNTHETIC_HARNESS = Harness("synthetic-phone-result (tests only)", "0", "ios")


def _tensor(name: str, array: np.ndarray) -> Tensor:
    data = np.ascontiguousarray(array, dtype="<f4").tobytes()
    return Tensor(name, list(array.shape), "float32", "little", base64.b64encode(data).decode("ascii"))


def phone_record(bundle: Bundle, artifact_id: str, *, fps: float, compute_unit: str = "cpu", shift_mm: float = 0.0,
                 rounds: int = 3, n: int = 40, seed: int = 0, runtime: str = "onnxruntime") -> BenchmarkRecord:
    """A record at ``fps`` (lognormal samples around 1000/fps ms) whose raw outputs are the bundle's
    expected outputs with every vertex moved ``shift_mm`` along x."""
    artifact = bundle.artifact(artifact_id)
    rng = np.random.default_rng(seed)
    samples = [(1000.0 / fps * np.exp(rng.normal(0, 0.03, n))).tolist() for _ in range(rounds)]
    expected = bundle.expected_outputs(artifact["model"])
    verts = expected["verts"].copy()
    verts[..., 0] += shift_mm / 200.0  # units of 0.2 m: 1 unit = 200 mm
    outputs = [[_tensor("verts", verts), _tensor("uv", expected["uv"])] for _ in range(rounds)]
    s = summarize(samples)
    return BenchmarkRecord(
        artifact=Artifact(name=artifact["record_name"], file=artifact["id"], sha256=artifact["sha256"],
                          variant=artifact["variant"], precision=artifact["precision"], format=artifact["format"], form="deploy"),
        runtime=RuntimeInfo(runtime, "1.32.0", compute_unit, options={"synthetic": True}),
        threads=1, status="ok", reason=None, latency_ms_samples=samples, session_load_ms=[50.0] * rounds,
        iterations_per_round=n, median_ms=s.median_ms, p10_ms=s.p10_ms, p90_ms=s.p90_ms,
        trimmed_mean_ms=s.trimmed_mean_ms, mad_ms=s.mad_ms, round_median_ms=s.round_median_ms,
        round_spread_pct=s.round_spread_pct, fps=s.fps,
        accuracy=Accuracy(vertex_error_mm_max=abs(shift_mm), joint2d_error_px_max=0.0, verdict="pass" if abs(shift_mm) < 0.1 else "fail",
                          source="measured on device"),
        thermal_state_start="nominal", thermal_state_end="nominal",
        raw_outputs=RawOutputs(bundle.inputs_sha256, outputs),
    )  # fmt: skip


def phone_result(bundle: Bundle, records: list[BenchmarkRecord], *, model_name: str = "iPhone13,2",
                 platform: str = "ios") -> BenchmarkResult:
    """A whole synthetic phone result around ``records``."""
    return BenchmarkResult(
        created_utc="2026-12-01T12:00:00Z", host=model_name,
        device=Device("unclassified", model_name, f"{'iOS' if platform == 'ios' else 'Android'} 17.5", "unknown", 6,
                      manufacturer="Apple" if platform == "ios" else "Google", os_name="iOS" if platform == "ios" else "Android",
                      os_version="17.5"),
        tool_versions={"onnxruntime": "1.32.0", "harness": "synthetic"},
        method=Method(rounds=3, warmup_iters=5, min_iters=10, time_budget_s=0.5, timer="ContinuousClock"),
        compute_floor=[], records=records,
        harness=Harness(SYNTHETIC_HARNESS.name, SYNTHETIC_HARNESS.version, platform),
        bundle=BundleRef("mobrecon-device-bundle/1", bundle.index_sha256, bundle.inputs_sha256),
        thermal=Thermal("ios-thermal-state" if platform == "ios" else "android-thermal-status", "nominal", "nominal"),
    )  # fmt: skip


def write(result: BenchmarkResult | dict[str, Any], path: Path) -> Path:
    """Write a result (or a tampered document) as JSON."""
    doc = result if isinstance(result, dict) else result.to_dict()
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path
