"""Ingest phone results: check them against the bundle, recompute everything on the host, classify, judge.

Usage::

    from mobrecon_bench.devices.ingest import ingest_results

    outcome = ingest_results(["farm-results/"], bundle="exports/bundle", out="bench-results/ingested.json")
    print(outcome.format())          # one table per device class, the targets, every note
    outcome.results                  # the ingested BenchmarkResults (also in the written result set)

The phone sends raw material and the host decides (``docs/device-contract.md``):

- each file is validated against ``result.schema.json``; a file whose artifact sha256 differs from
  the bundle's, that names an artifact the bundle does not hold, whose raw outputs answer other
  inputs, a host result, or a file that is not a result is refused in one sentence;
- every statistic is recomputed from ``latency_ms_samples`` and the accuracy from ``raw_outputs``
  against the bundle's expected outputs and the artifact's limits (the worst round counts); where
  the phone's own figures disagree, a note says so and the host's figure is kept;
- ``device.device_class`` is assigned from :mod:`mobrecon_bench.devices.device_classes`;
- the targets are judged by :func:`mobrecon_bench.results.targets.judge`: pass/fail only on ``apple-a14``
  CPU records whose accuracy passed.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as _dt
import hashlib
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mobrecon_bench.devices.bundle_read import Bundle, read_bundle
from mobrecon_bench.devices.device_classes import UNCLASSIFIED, classify, describe_class
from mobrecon_bench.errors import BenchmarkError
from mobrecon_bench.jsonio import read_json
from mobrecon_bench.results.result_set import group_by_device_class, result_files, save_result_set
from mobrecon_bench.results.schema import Accuracy, BenchmarkRecord, BenchmarkResult, IngestInfo, Tensor, validate_document
from mobrecon_bench.results.stats import summarize
from mobrecon_bench.results.targets import judge

__all__ = ["DEFAULT_INGESTED", "RECOMPUTED_SOURCE", "IngestOutcome", "ingest_results", "ingest_file", "decode_tensor"]

DEFAULT_INGESTED = Path("bench-results/ingested.json")
RECOMPUTED_SOURCE = "recomputed on host from raw outputs (mobrecon bench ingest)"
#: Relative difference above which a phone's own summary is reported as disagreeing with the host's.
_REL_TOLERANCE = 1e-6
_SUMMARY_FIELDS = ("median_ms", "p10_ms", "p90_ms", "trimmed_mean_ms", "mad_ms", "fps", "round_spread_pct")
#: Worse-than-start thermal states, per scale, in order.
_THERMAL_ORDER = {
    "ios-thermal-state": ["nominal", "fair", "serious", "critical"],
    "android-thermal-status": ["none", "light", "moderate", "severe", "critical", "emergency", "shutdown"],
}


def decode_tensor(tensor: Tensor) -> np.ndarray:
    """A result tensor's float32 array [shape] from its base64 little-endian bytes.

    Raises:
        ValueError: not base64, or a byte count that does not match the shape.
    """
    try:
        data = base64.b64decode(tensor.data_base64, validate=True)
    except (binascii.Error, ValueError) as err:
        raise ValueError(f"tensor {tensor.name!r} is not valid base64 ({err})") from None
    expected = 4 * math.prod(tensor.shape)
    if len(data) != expected:
        raise ValueError(f"tensor {tensor.name!r} has {len(data)} bytes; shape {tensor.shape} implies {expected}")
    return np.frombuffer(data, dtype="<f4").reshape(tensor.shape).astype(np.float32)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _differs(phone: float | None, host: float) -> bool:
    return phone is not None and abs(phone - host) > _REL_TOLERANCE * max(abs(host), 1e-12)


def _recompute_latency(rec: BenchmarkRecord, notes: list[str]) -> None:
    """Replace the record's summaries by the host's, from its raw samples; note any disagreement."""
    summary = summarize(rec.latency_ms_samples)
    host = {"median_ms": summary.median_ms, "p10_ms": summary.p10_ms, "p90_ms": summary.p90_ms,
            "trimmed_mean_ms": summary.trimmed_mean_ms, "mad_ms": summary.mad_ms, "fps": summary.fps,
            "round_spread_pct": summary.round_spread_pct}  # fmt: skip
    wrong = [f"{name} {getattr(rec, name):.6g} vs {value:.6g}" for name, value in host.items() if _differs(getattr(rec, name), value)]
    if wrong:
        notes.append(f"{rec.label}: the phone's own figures disagree with its {summary.n_samples} samples "
                     f"({'; '.join(wrong)} recomputed); the host's are kept")  # fmt: skip
    for name, value in host.items():
        setattr(rec, name, value)
    rec.round_median_ms = summary.round_median_ms
    if rec.iterations_per_round is None:
        rec.iterations_per_round = min(len(r) for r in rec.latency_ms_samples if len(r))


def _round_outputs(rec: BenchmarkRecord, expected: dict[str, np.ndarray], source: str) -> list[dict[str, np.ndarray]]:
    rounds = []
    for i, tensors in enumerate(rec.raw_outputs.rounds):
        outs: dict[str, np.ndarray] = {}
        for tensor in tensors:
            if tensor.name not in expected:
                continue
            try:
                outs[tensor.name] = decode_tensor(tensor)
            except ValueError as err:
                raise BenchmarkError(f"{source}: {rec.label}, round {i}: {err}") from None
            if outs[tensor.name].shape != expected[tensor.name].shape:
                raise BenchmarkError(f"{source}: {rec.label}, round {i}: output {tensor.name!r} has shape "
                                     f"{list(outs[tensor.name].shape)}; the bundle expects {list(expected[tensor.name].shape)}")  # fmt: skip
        missing = sorted(set(expected) - set(outs))
        if missing:
            raise BenchmarkError(f"{source}: {rec.label}, round {i}: raw outputs lack {', '.join(missing)}")
        rounds.append(outs)
    return rounds


def _recompute_accuracy(rec: BenchmarkRecord, artifact: dict[str, Any], bundle: Bundle, source: str, notes: list[str]) -> None:
    """Replace the record's accuracy by the host's, from its raw outputs; note any disagreement."""
    from mobrecon_export.verify import MM_PER_UNIT, compare

    phone = rec.accuracy
    exported = artifact["export_accuracy"]
    if rec.raw_outputs is None:
        rec.accuracy = Accuracy(verdict="not-run", reason="the phone sent no raw outputs: accuracy cannot be checked",
                                source=RECOMPUTED_SOURCE)  # fmt: skip
        notes.append(f"{rec.label}: no raw outputs, so no accuracy verdict and no target verdict")
        return
    if rec.raw_outputs.inputs_sha256 != bundle.inputs_sha256:
        raise BenchmarkError(f"{source}: {rec.label}: its raw outputs answer inputs with sha256 "
                             f"{rec.raw_outputs.inputs_sha256[:16]}..., not this bundle's {bundle.inputs_sha256[:16]}...")  # fmt: skip
    expected = bundle.expected_outputs(artifact["model"])
    rounds = _round_outputs(rec, expected, source)
    worst: dict[str, float] = {}
    failed: list[str] = []
    for outs in rounds:
        table, fails = compare(expected, outs, artifact["limits"])
        for metrics in table.values():
            for name, value in metrics.items():
                worst[name] = max(worst.get(name, value), value)
        failed += [f for f in fails if f not in failed]
    spread = max((float(np.abs(o["verts"] - rounds[0]["verts"]).max()) * MM_PER_UNIT for o in rounds[1:]), default=0.0)
    if spread > 0:
        notes.append(f"{rec.label}: outputs differ between rounds by up to {spread:.3g} mm (the worst round is judged)")
    reasons = list(failed)
    if exported["verdict"] == "fail":
        reasons.append(f"failed its accuracy limits at export ({exported['reason']}); kept with --keep-inaccurate for timing only")
    rec.accuracy = Accuracy(
        vertex_error_mm_max=worst.get("verts_max_mm"), joint2d_error_px_max=worst.get("uv_max_px"),
        verdict="fail" if reasons else "pass", reason="; ".join(reasons) or None, source=RECOMPUTED_SOURCE,
    )  # fmt: skip
    if phone.verdict is not None and phone.verdict != rec.accuracy.verdict:
        notes.append(f"{rec.label}: the phone judged its accuracy {phone.verdict!r}, the host {rec.accuracy.verdict!r}")
    for name, ours in (("vertex_error_mm_max", rec.accuracy.vertex_error_mm_max), ("joint2d_error_px_max", rec.accuracy.joint2d_error_px_max)):
        theirs = getattr(phone, name)
        if theirs is not None and ours is not None and abs(theirs - ours) > 1e-3 * max(ours, 1e-6) + 1e-6:
            notes.append(f"{rec.label}: the phone's {name} {theirs:.4g} disagrees with {ours:.4g} recomputed from its outputs")


def _thermal_note(rec: BenchmarkRecord, scale: str | None) -> str | None:
    order = _THERMAL_ORDER.get(scale or "", [])
    start, end = rec.thermal_state_start, rec.thermal_state_end
    if start in order and end in order and order.index(end) > order.index(start):
        return f"{rec.label}: thermal state rose from {start} to {end} during its rounds: throttling likely"
    return None


def _check_artifact(rec: BenchmarkRecord, bundle: Bundle, source: str) -> dict[str, Any] | None:
    file = rec.artifact.file
    if file is None and rec.status != "ok":
        return None
    artifact = bundle.artifact(file) if file else None
    if artifact is None:
        raise BenchmarkError(f"{source}: record {rec.label} names artifact {file!r}, which the bundle {bundle.folder} does not hold")
    if rec.artifact.sha256 is None and rec.status == "ok":
        raise BenchmarkError(f"{source}: record {rec.label} has no artifact sha256; the phone must hash what it loads")
    if rec.artifact.sha256 is not None and rec.artifact.sha256 != artifact["sha256"]:
        raise BenchmarkError(f"{source}: {file} has sha256 {rec.artifact.sha256[:16]}... on the phone but "
                             f"{artifact['sha256'][:16]}... in the bundle; it is not the artifact the bundle holds")  # fmt: skip
    return artifact


def _read_phone_result(path: Path) -> tuple[BenchmarkResult, str]:
    raw, doc = read_json(path, "result file")
    if not isinstance(doc, dict) or "schema_version" not in doc:
        raise BenchmarkError(f"{path} is not a benchmark result (no schema_version)")
    problems = validate_document(doc)
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise BenchmarkError(f"{path}: not a valid benchmark result: {problems[0]}{more}")
    result = BenchmarkResult.from_dict(doc)
    platform = result.harness.platform if result.harness else "host"
    if platform == "host" or result.device.device_class.startswith("host-"):
        raise BenchmarkError(f"{path} is a host result ({result.device.device_class}), not a phone's: nothing to ingest "
                             "(`mobrecon bench report` reads it directly)")  # fmt: skip
    if result.ingest is not None:
        raise BenchmarkError(f"{path} was already ingested on {result.ingest.ingested_utc}; ingest the phone's original file")
    return result, hashlib.sha256(raw).hexdigest()


def ingest_file(path: str | os.PathLike[str], bundle: Bundle, notes: list[str] | None = None) -> BenchmarkResult:
    """Check one phone result against ``bundle`` and recompute it on the host.

    Args:
        path: the phone's result file.
        bundle: the bundle it ran (:func:`mobrecon_bench.devices.bundle_read.read_bundle`).
        notes: list that receives one line per disagreement or change (also stored in the result).

    Returns:
        The result with host statistics, host accuracy, the device class and an ``ingest`` record.

    Raises:
        BenchmarkError: not a phone result, an artifact the bundle does not hold or with another
            sha256, outputs for other inputs, malformed raw outputs.
    """
    path = Path(path)
    result, source_sha = _read_phone_result(path)
    own: list[str] = []
    if result.bundle is not None and result.bundle.inputs_sha256 != bundle.inputs_sha256:
        raise BenchmarkError(f"{path} ran a bundle with other verification inputs (sha256 {result.bundle.inputs_sha256[:16]}...)")
    if result.bundle is not None and result.bundle.bundle_json_sha256 != bundle.index_sha256:
        own.append(f"the phone read a different bundle.json (sha256 {result.bundle.bundle_json_sha256[:16]}...); "
                   "its artifacts and inputs match this one, so it is judged against it")  # fmt: skip
    for rec in result.records:
        artifact = _check_artifact(rec, bundle, str(path))
        if rec.status != "ok" or artifact is None:
            continue
        _recompute_latency(rec, own)
        _recompute_accuracy(rec, artifact, bundle, str(path), own)
        model = bundle.model(artifact["model"])
        rec.cost = dataclasses.replace(rec.cost, mult_adds=model["mult_adds"])
        if model["mult_adds"] and rec.median_ms:
            rec.cost.achieved_mult_adds_per_s = model["mult_adds"] / (rec.median_ms / 1000.0)
        note = _thermal_note(rec, result.thermal.scale if result.thermal else None)
        if note:
            own.append(note)
    match = classify(result.device, result.harness.platform)
    reported = result.device.device_class
    if reported not in (UNCLASSIFIED, match.device_class):
        own.append(f"the phone called itself {reported!r}; the class table says {match.device_class!r}, which is used")
    result.device.device_class = match.device_class
    result.ingest = IngestInfo(
        ingested_utc=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"), source_file=path.name,
        source_sha256=source_sha, bundle_json_sha256=bundle.index_sha256, reported_device_class=reported,
        device_class_rule=match.rule, notes=own,
    )  # fmt: skip
    if notes is not None:
        notes.extend(f"{path.name}: {n}" for n in own)
    return result


@dataclass
class IngestOutcome:
    """What :func:`ingest_results` did.

    Attributes:
        results: the ingested results, one per phone file.
        out: the result set written, or None.
        notes: every note of every file, prefixed with its file name.
    """

    results: list[BenchmarkResult]
    out: Path | None
    notes: list[str] = field(default_factory=list)

    def format(self) -> str:
        """One table per device class (artifact, unit, threads, median, FPS, accuracy, targets), then the notes."""
        lines: list[str] = []
        for device_class, results in group_by_device_class(self.results).items():
            models = sorted({r.device.model_name for r in results})
            lines.append(f"{device_class} ({describe_class(device_class)}): {len(results)} result(s) from {', '.join(models)}")
            rows = [("device", "artifact", "unit", "thr", "median ms", "FPS", "accuracy", "paper target")]
            for result in results:
                for rec in result.records:
                    rows.append((result.device.model_name, *_row(rec, device_class)))
            widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
            lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
        lines += [f"note: {n}" for n in self.notes]
        if self.out is not None:
            lines.append(f"wrote {self.out}")
        return "\n".join(lines)


def _row(rec: BenchmarkRecord, device_class: str) -> tuple[str, ...]:
    acc = rec.accuracy
    if acc.verdict in ("pass", "fail") and acc.vertex_error_mm_max is not None:
        accuracy = f"{acc.verdict} ({acc.vertex_error_mm_max:.3g} mm, {acc.joint2d_error_px_max:.3g} px)"
    else:
        accuracy = acc.verdict or "-"
    verdicts = judge(rec, device_class=device_class)
    target = "; ".join(f"{v.target.fps:g} FPS: {v.verdict}" for v in verdicts) or "-"
    if rec.status != "ok":
        return (rec.artifact.name, rec.runtime.compute_unit, str(rec.threads), f"{rec.status}: {rec.reason}", "", "", target)
    return (rec.artifact.name, rec.runtime.compute_unit, str(rec.threads), f"{rec.median_ms:.2f}", f"{rec.fps:.1f}", accuracy, target)


def ingest_results(
    paths: Sequence[str | os.PathLike[str]],
    bundle: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = DEFAULT_INGESTED,
    *,
    log: Callable[[str], None] = lambda message: None,
) -> IngestOutcome:
    """Ingest phone result files (or folders of them) against one bundle and write one result set.

    Args:
        paths: result files, or folders searched recursively for ``*.json``.
        bundle: the bundle folder the phones ran.
        out: result set to write (``mobrecon bench report`` / ``gate`` read it); None writes nothing.
        log: progress callback.

    Returns:
        :class:`IngestOutcome`.

    Raises:
        BenchmarkError: any refused file (nothing is written then), or an unusable bundle.
    """
    index = read_bundle(bundle)
    files = result_files(paths)
    if files and all(f.name == "bundle.json" for f in files):
        raise BenchmarkError("only bundle.json found: give the phones' result files")
    notes: list[str] = []
    results = []
    for file in files:
        if file.name == "bundle.json":
            continue
        log(f"ingesting {file}")
        results.append(ingest_file(file, index, notes))
    written = save_result_set(results, out) if out is not None else None
    return IngestOutcome(results, written, notes)
