"""The host's own numbers for the Swift harness's core to reproduce (``host-vectors.json``).

The iOS harness computes its own summaries, accuracy and hashes by the host's definitions
(docs/device-contract.md, section 2). This module runs the host's code on fixed inputs and writes
what it gives; ``MobReconHarnessCoreTests`` (Swift, on a Mac or iPhone) checks the Swift core against
the file, and ``test_host_vectors.py`` (here) checks the committed file is what the host's code gives
today, so a change of definition on either side shows.

Regenerate after a deliberate change of a host definition::

    .venv/bin/python -m tests.benchmarks.devices.ios.host_vectors
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

VECTORS_PATH = Path(__file__).resolve().parents[4] / "ios_harness" / "Tests" / "MobReconHarnessCoreTests" / "Resources" / "host-vectors.json"


def _statistics_cases() -> list[dict[str, Any]]:
    from mobrecon_bench.results.stats import summarize

    rng = np.random.default_rng(11)
    shapes = [[7], [4, 5], [20, 20, 20], [3, 1, 9, 2, 33]]
    cases = []
    for rounds_shape in shapes:
        rounds = [np.round(rng.lognormal(2.5, 0.2, n), 6).tolist() for n in rounds_shape]
        rounds[0][0] = rounds[-1][-1]  # a tie across rounds
        s = summarize(rounds)
        cases.append({"rounds": rounds, "median_ms": s.median_ms, "p10_ms": s.p10_ms, "p90_ms": s.p90_ms,
                      "trimmed_mean_ms": s.trimmed_mean_ms, "mad_ms": s.mad_ms, "round_median_ms": s.round_median_ms,
                      "round_spread_pct": s.round_spread_pct, "fps": s.fps})  # fmt: skip
    return cases


def _iteration_cases() -> list[dict[str, Any]]:
    """Timed iterations per round by benchmarks/README.md ("Method", 1): max(min_iters, floor(budget / warm-up median)), capped."""
    cases = []
    for warmup, min_iters, budget, max_iters in [([], 20, 1.0, 100_000), ([12.5, 13.0, 12.0], 20, 1.0, 100_000),
                                                 ([80.0, 81.0], 20, 1.0, 100_000), ([0.01] * 4, 20, 2.0, 1000),
                                                 ([7.0, 9.0, 8.0, 30.0], 5, 0.5, 100_000)]:  # fmt: skip
        if warmup:
            per_iteration = max(float(np.median(warmup)), 1e-6)
            expected = int(min(max_iters, max(min_iters, math.floor(budget * 1000.0 / per_iteration))))
        else:
            expected = min_iters
        cases.append({"warmup_ms": warmup, "min_iters": min_iters, "time_budget_s": budget, "max_iters": max_iters,
                      "iterations": expected})  # fmt: skip
    return cases


def _accuracy_cases() -> list[dict[str, Any]]:
    from mobrecon_export.verify import METRICS, compare

    rng = np.random.default_rng(5)
    cases = []
    for scale, limits in [(1e-4, {"verts_max_mm": 0.4, "uv_max_px": 0.05}), (3e-3, {"verts_max_mm": 0.4, "uv_max_px": 0.05}),
                          (3e-3, {"verts_max_mm": 10.0, "uv_max_px": 3.0})]:  # fmt: skip
        refs = {"verts": rng.normal(0, 0.3, (2, 5, 3)).astype(np.float32), "uv": rng.uniform(0, 1, (2, 4, 2)).astype(np.float32)}
        outs = {k: (v + rng.normal(0, scale, v.shape)).astype(np.float32) for k, v in refs.items()}
        table, failed = compare(refs, outs, limits)
        cases.append({
            "verts_shape": list(refs["verts"].shape), "uv_shape": list(refs["uv"].shape),
            "expected_verts": refs["verts"].ravel().tolist(), "actual_verts": outs["verts"].ravel().tolist(),
            "expected_uv": refs["uv"].ravel().tolist(), "actual_uv": outs["uv"].ravel().tolist(),
            "limits": limits,
            "vertex_error_mm_max": METRICS["verts_max_mm"].fn(refs["verts"], outs["verts"]),
            "joint2d_error_px_max": METRICS["uv_max_px"].fn(refs["uv"], outs["uv"]),
            "verdict": "fail" if failed else "pass", "reason": "; ".join(failed) or None,
        })  # fmt: skip
        assert table["verts"]["verts_max_mm"] == cases[-1]["vertex_error_mm_max"]
    return cases


def _directory_hash() -> dict[str, Any]:
    """A fake .mlpackage hashed by the host's rule (mobrecon_export.manifest.path_sha256)."""
    from mobrecon_export.manifest import path_sha256

    files = {"Manifest.json": b'{"fileFormatVersion": "1.0.0"}', "Data/com.apple.CoreML/model.mlmodel": b"\x08\x07program",
             "Data/com.apple.CoreML/weights/weight.bin": bytes(range(256)) * 3, "Data-notes": b"dash sorts before slash",
             "Data/a": b"", ".hidden": b"hidden files count"}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "fake.mlpackage"
        for name, content in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(content)
        order = [p.relative_to(root).as_posix() for p in sorted(q for q in root.rglob("*") if q.is_file())]
        sha = path_sha256(root)
    return {"files": [{"path": name, "content_base64": base64.b64encode(content).decode()} for name, content in files.items()],
            "order": order, "sha256": sha}  # fmt: skip


def _raw_tensor() -> dict[str, Any]:
    values = np.array([0.0, -0.0, 1.5, -2.25, 3.4028235e38, 1e-45, 0.1], dtype=np.float32)
    return {"values": values.tolist(), "data_base64": base64.b64encode(values.astype("<f4").tobytes()).decode(),
            "sha256": hashlib.sha256(values.astype("<f4").tobytes()).hexdigest()}  # fmt: skip


def build_vectors() -> dict[str, Any]:
    """Every vector, from the host's code."""
    return {
        "about": "Generated by tests/benchmarks/devices/ios/host_vectors.py from the host's code (mobrecon_bench.results.stats, "
                 "mobrecon_export.verify, mobrecon_export.manifest); do not edit by hand.",
        "statistics": _statistics_cases(),
        "iterations": _iteration_cases(),
        "accuracy": _accuracy_cases(),
        "directory_hash": _directory_hash(),
        "raw_tensor": _raw_tensor(),
    }  # fmt: skip


def vectors_text() -> str:
    return json.dumps(build_vectors(), indent=1) + "\n"


if __name__ == "__main__":
    VECTORS_PATH.write_text(vectors_text(), encoding="utf-8")
    print(f"wrote {VECTORS_PATH}")
