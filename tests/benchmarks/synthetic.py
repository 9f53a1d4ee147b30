"""Synthetic latency samples and result objects with known properties, for the benchmark tests."""

from __future__ import annotations

import numpy as np

from mobrecon_bench.results.schema import Artifact, BenchmarkRecord, BenchmarkResult, Device, Method, RuntimeInfo
from mobrecon_bench.results.stats import summarize


def lognormal_rounds(
    seed: int,
    *,
    factor: float = 1.0,
    rounds: int = 5,
    n: int = 60,
    median_ms: float = 10.0,
    session_sigma: float = 0.03,
    sigma: float = 0.1,
    outlier_rate: float = 0.0,
) -> list[list[float]]:
    """Lognormal latency rounds, milliseconds, with a per-round session effect and optional outliers.

    sample = median_ms * factor * exp(N(0, session_sigma)) [per round] * exp(N(0, sigma)) [per
    sample]; a share ``outlier_rate`` of samples is then multiplied by U(2, 10).
    """
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(rounds):
        x = median_ms * factor * np.exp(rng.normal(0.0, session_sigma)) * np.exp(rng.normal(0.0, sigma, n))
        hit = rng.random(n) < outlier_rate
        x[hit] *= rng.uniform(2.0, 10.0, hit.sum())
        out.append(x.tolist())
    return out


def make_record(
    samples: list[list[float]] | None,
    *,
    name: str = "densestack",
    variant: str | None = "densestack",
    runtime: str = "onnxruntime",
    threads: int = 1,
    status: str = "ok",
    reason: str | None = None,
    compute_unit: str = "cpu",
    form: str | None = None,
    sha256: str = "0" * 64,
) -> BenchmarkRecord:
    """A schema record from synthetic samples (ms per round), summaries filled when ok."""
    rec = BenchmarkRecord(
        artifact=Artifact(
            name=name, file=f"{name}.onnx", sha256=sha256, variant=variant, precision="fp32", format="onnx", form=form
        ),
        runtime=RuntimeInfo(name=runtime, version="1.0", compute_unit=compute_unit),
        threads=threads,
        status=status,  # type: ignore[arg-type]
        reason=reason,
        latency_ms_samples=samples or [],
        session_load_ms=[5.0] * len(samples or []),
    )
    if status == "ok":
        s = summarize(samples)
        rec.median_ms, rec.p10_ms, rec.p90_ms, rec.fps = s.median_ms, s.p10_ms, s.p90_ms, s.fps
        rec.trimmed_mean_ms, rec.mad_ms = s.trimmed_mean_ms, s.mad_ms
        rec.round_median_ms, rec.round_spread_pct = s.round_median_ms, s.round_spread_pct
        rec.iterations_per_round = len(samples[0])
    return rec


def make_result(records: list[BenchmarkRecord], *, device_class: str = "host-x86_64") -> BenchmarkResult:
    """A schema result around records, on a made-up device."""
    return BenchmarkResult(
        created_utc="2025-01-01T00:00:00Z",
        host="testhost",
        device=Device(
            device_class=device_class, model_name="test", os="TestOS 1", cpu_model="Test CPU", logical_cores=4
        ),
        tool_versions={"python": "3.11"},
        method=Method(rounds=5, warmup_iters=10, min_iters=20, time_budget_s=1.0),
        compute_floor=[],
        records=records,
    )
