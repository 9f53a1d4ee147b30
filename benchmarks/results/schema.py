"""Benchmark result schema: typed dataclasses, JSON round-trip, validation, atomic writes.

Usage::

    from mobrecon_bench.results.schema import load_result, save_result

    result = load_result("bench-results/result.json")    # validated BenchmarkResult
    for rec in result.records:
        print(rec.artifact.name, rec.runtime.name, rec.threads, rec.median_ms)
    save_result(result, "copy.json")                      # temp file + rename

The JSON Schema lives beside this file (``result.schema.json``, see ``SCHEMA_PATH``); host runs and
the iOS/Android harnesses write the same schema. Units are in field names (``_ms`` milliseconds,
``_mib`` MiB, ``_s`` seconds, ``_pct`` percent). ``latency_ms_samples`` keeps every timed
inference, one inner list per round, so later tools judge raw samples, not summaries.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mobrecon_bench.errors import BenchmarkError
from mobrecon_bench.results.phone_fields import BundleRef, Harness, IngestInfo, MemorySamples, RawOutputs, Tensor, Thermal
from mobrecon_bench.results.validation import SCHEMA_PATH, SCHEMA_VERSION, result_schema, schema_problem, validate_document

__all__ = [
    "SCHEMA_VERSION",
    "SCHEMA_PATH",
    "STATUSES",
    "Status",
    "Device",
    "Method",
    "ComputeFloor",
    "Artifact",
    "RuntimeInfo",
    "Accuracy",
    "Cost",
    "HostLoad",
    "MemorySamples",
    "Tensor",
    "RawOutputs",
    "Harness",
    "BundleRef",
    "Thermal",
    "IngestInfo",
    "BenchmarkRecord",
    "BenchmarkResult",
    "RecordKey",
    "result_schema",
    "validate_document",
    "schema_problem",
    "load_result",
    "save_result",
]


Status = Literal["ok", "export_failed", "verification_failed", "skipped"]
STATUSES: tuple[str, ...] = typing.get_args(Status)


@dataclass
class Device:
    """The machine a result was measured on.

    Attributes:
        device_class: class targets are judged on, e.g. "host-x86_64", "apple-a14".
        model_name: product name, e.g. "iPhone13,2", or the host's DMI product name.
        os: operating system and version, e.g. "Linux 6.8.0".
        cpu_model: CPU brand string.
        logical_cores: logical CPUs in the machine.
        usable_cores: CPUs this process may run on (affinity), None if unknown.
        manufacturer, soc_manufacturer, soc_model, hardware: phone facts (Android ``Build.*``;
            ``soc_*`` on API 31+), None where unknown; ingest maps them to a device class.
        os_name, os_version: e.g. "iOS", "17.5"; api_level: Android SDK_INT; abi: e.g. "arm64-v8a".
    """

    device_class: str
    model_name: str
    os: str
    cpu_model: str
    logical_cores: int
    usable_cores: int | None = None
    manufacturer: str | None = None
    soc_manufacturer: str | None = None
    soc_model: str | None = None
    hardware: str | None = None
    os_name: str | None = None
    os_version: str | None = None
    api_level: int | None = None
    abi: str | None = None


@dataclass
class Method:
    """How the samples were taken (see ``mobrecon_bench.running.timing``); times in seconds."""

    rounds: int
    warmup_iters: int
    min_iters: int
    time_budget_s: float
    interleaved: bool = True
    alternate_order: bool = True
    timer: str = "perf_counter_ns"
    trim_fraction: float = 0.1


@dataclass
class ComputeFloor:
    """Sustained fp32 N x N matrix-product rate through one runtime: N^3 multiply-adds per product."""

    runtime: str
    runtime_version: str
    threads: int
    mult_adds_per_s: float
    matrix_size: int
    runs: int


@dataclass
class Artifact:
    """What was run.

    Attributes:
        name: artifact name; with variant, runtime, threads and precision it keys the record,
            e.g. "mobrecon-densestack.onnx".
        file: file name, None for an in-memory PyTorch model.
        sha256: sha256 of the file, None without one.
        variant: model variant the targets are matched on ("densestack"), None for other models.
        precision: "fp32", "fp16", "int8".
        format: "torch", "onnx", "ort", "tflite", "mlpackage".
        form: which graph of the model: "reference" (as trained, HandMesh layout), "deploy"
            (``mobrecon.to_deploy(model)``, what the exporter ships), "naive-export" (``torch.onnx.export`` of
            the reference form), "peer" (another project's model); or "yardstick": not a model but
            the fixed graph ``yardstick.onnx`` (``mobrecon_bench.running.yardstick``) timed in the same
            rounds as the artifacts, by which the gate normalises two runs; None if not said.
        task: what the model computes, when it differs from MobRecon's hand mesh, e.g. "21 hand
            keypoints, no mesh (a different task)"; None for MobRecon artifacts.
    """

    name: str
    file: str | None
    sha256: str | None
    variant: str | None
    precision: str
    format: str
    form: str | None = None
    task: str | None = None


@dataclass
class RuntimeInfo:
    """Runtime that executed the artifact, e.g. ("onnxruntime", "1.32.0", "cpu").

    Attributes:
        name: "torch", "onnxruntime", "litert", "coreml".
        version: the runtime's version.
        compute_unit: one vocabulary for every platform: "cpu" (host CPU, ORT CPU EP, Core ML
            cpuOnly), "xnnpack", "nnapi", "coreml-ep", "cpu+gpu", "cpu+ane", "all", "gpu".
        execution_provider: ORT's EP name, None for other runtimes.
        options: the runtime's options as the platform names them (``{"MLComputeUnits": "cpuOnly"}``).
        nodes_by_provider: graph nodes each EP ran, where the runtime exposes it.
        nodes_by_provider_source: how ``nodes_by_provider`` was obtained.
    """

    name: str
    version: str
    compute_unit: str = "cpu"
    execution_provider: str | None = None
    options: dict[str, str | float | bool] | None = None
    nodes_by_provider: dict[str, int] | None = None
    nodes_by_provider_source: str | None = None


@dataclass
class Accuracy:
    """Worst-case errors against the PyTorch reference: millimetres (3D) and pixels (2D), and their verdict.

    Timing and accuracy are judged apart: a record is timed (``status`` "ok") whatever its accuracy
    verdict, so an artifact that fails its error limits still shows its latency, flagged
    ``verdict == "fail"`` with the failed limit in ``reason``. ``status == "verification_failed"``
    is kept for harnesses that refuse to time such an artifact.

    Attributes:
        vertex_error_mm_max: largest vertex error, mm.
        joint3d_error_mm_max: largest 3D joint error, mm.
        joint2d_error_px_max: largest 2D joint error, px (128-px crop).
        verdict: "pass", "fail" (errors over the limits), "not-run", or "reference" (the record is
            the reference itself); None if no accuracy was attached.
        reason: which limit failed, or why not run; None otherwise.
        source: where the figures come from, e.g. "export manifest" or "measured by mobrecon bench".
    """

    vertex_error_mm_max: float | None = None
    joint3d_error_mm_max: float | None = None
    joint2d_error_px_max: float | None = None
    verdict: str | None = None
    reason: str | None = None
    source: str | None = None


@dataclass
class Cost:
    """Work per inference (multiply-adds) and the rate achieved at the median latency (per second)."""

    mult_adds: int | None = None
    achieved_mult_adds_per_s: float | None = None
    compute_floor_fraction: float | None = None


#: A JSON array of numbers that ``json.dumps(indent=...)`` spread over lines (a JSON string never
#: holds a raw newline, so this cannot match inside one).
_NUMBER_LIST = re.compile(r"\[(\n[-+0-9.eE,\s]*[0-9][-+0-9.eE,\s]*)\]")

#: (artifact name, variant, runtime name, threads, precision, compute unit): one record per run.
RecordKey = tuple[str, str | None, str, int, str, str]


@dataclass
class BenchmarkRecord:
    """One (artifact, runtime, threads, precision) row of a run.

    Attributes:
        artifact: what was run.
        runtime: what ran it.
        threads: intra-op threads the runtime was allowed.
        status: "ok", "export_failed", "verification_failed" or "skipped".
        reason: why status is not "ok"; None when ok.
        latency_ms_samples: every timed inference, milliseconds, one list per round (session).
        session_load_ms: session creation time of each round, milliseconds.
        iterations_per_round: timed inferences per round.
        median_ms, p10_ms, p90_ms, trimmed_mean_ms, mad_ms: summaries of the pooled samples, ms.
        round_median_ms: median of each round, milliseconds.
        round_spread_pct: (max - min) of round medians over the pooled median, percent.
        fps: 1000 / median_ms, inferences per second.
        peak_rss_mib: largest process RSS high-water mark during the record's rounds, MiB (per
            process: interpreter and libraries included).
        rss_growth_mib: largest growth from the RSS before a session loaded to the high-water mark
            while it loaded and ran, MiB: the session's own peak footprint.
        accuracy: errors against the reference, if verified.
        cost: multiply-adds and achieved rate, if known.
        compile_ms: on-device model compilation (Core ML), milliseconds, None where none.
        memory: per-round memory as a phone measures it, None on hosts.
        thermal_state_start, thermal_state_end: thermal state around the record's rounds (phones).
        raw_outputs: the artifact's outputs for the bundle inputs (phones); ingest recomputes
            accuracy from these.
    """

    artifact: Artifact
    runtime: RuntimeInfo
    threads: int
    status: Status
    reason: str | None
    latency_ms_samples: list[list[float]] = field(default_factory=list)
    session_load_ms: list[float] = field(default_factory=list)
    iterations_per_round: int | None = None
    median_ms: float | None = None
    p10_ms: float | None = None
    p90_ms: float | None = None
    trimmed_mean_ms: float | None = None
    mad_ms: float | None = None
    round_median_ms: list[float] = field(default_factory=list)
    round_spread_pct: float | None = None
    fps: float | None = None
    peak_rss_mib: float | None = None
    rss_growth_mib: float | None = None
    accuracy: Accuracy = field(default_factory=Accuracy)
    cost: Cost = field(default_factory=Cost)
    compile_ms: float | None = None
    memory: MemorySamples | None = None
    thermal_state_start: str | None = None
    thermal_state_end: str | None = None
    raw_outputs: RawOutputs | None = None

    @property
    def key(self) -> RecordKey:
        """Identity used to match records across runs: (name, variant, runtime, threads, precision, compute unit)."""
        return (self.artifact.name, self.artifact.variant, self.runtime.name, self.threads, self.artifact.precision,
                self.runtime.compute_unit)

    @property
    def label(self) -> str:
        """Short human label, e.g. "densestack onnxruntime fp32 x2" ("... nnapi fp32 x1" off the CPU)."""
        unit = "" if self.runtime.compute_unit == "cpu" else f" {self.runtime.compute_unit}"
        return f"{self.artifact.name} {self.runtime.name}{unit} {self.artifact.precision} x{self.threads}"


@dataclass
class HostLoad:
    """How busy the machine was: load averages (runnable threads, 1/5/15 min) at start and end of the run."""

    load_average_start: list[float]
    load_average_end: list[float]


@dataclass
class BenchmarkResult:
    """One benchmark run on one device; the top-level object of a result file.

    ``host_load`` is None when the platform gives no load average (phones, Windows). ``harness``,
    ``bundle`` and ``thermal`` are set by phone harnesses, ``ingest`` by ``mobrecon bench ingest``.
    """

    created_utc: str
    host: str
    device: Device
    tool_versions: dict[str, str]
    method: Method
    compute_floor: list[ComputeFloor]
    records: list[BenchmarkRecord]
    schema_version: int = SCHEMA_VERSION
    host_load: HostLoad | None = None
    harness: Harness | None = None
    bundle: BundleRef | None = None
    thermal: Thermal | None = None
    ingest: IngestInfo | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, ``schema_version`` first."""
        doc = dataclasses.asdict(self)
        return {"schema_version": doc.pop("schema_version"), **doc}

    def to_json(self) -> str:
        """JSON text of the result: indented, lists of numbers on one line, ends with a newline."""
        text = json.dumps(self.to_dict(), indent=1)
        return _NUMBER_LIST.sub(lambda m: "[" + re.sub(r"\s+", " ", m.group(1).strip()) + "]", text) + "\n"

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> BenchmarkResult:
        """Build from a decoded document after validating it.

        Raises:
            BenchmarkError: if the document does not follow the schema.
        """
        problems = validate_document(doc)
        if problems:
            more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
            raise BenchmarkError(f"not a valid benchmark result: {problems[0]}{more}")
        return _build(cls, doc)

    @classmethod
    def from_json(cls, text: str) -> BenchmarkResult:
        """Parse and validate JSON text.

        Raises:
            BenchmarkError: if the text is not JSON or does not follow the schema.
        """
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as err:
            raise BenchmarkError(f"not valid JSON: {err.msg} at line {err.lineno}") from None
        return cls.from_dict(doc)


def _build(tp: Any, value: Any) -> Any:
    """Turn decoded JSON into the annotated type ``tp`` (dataclass, list, dict, optional, scalar)."""
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        names = {f.name for f in dataclasses.fields(tp) if f.init}
        return tp(**{k: _build(hints[k], v) for k, v in value.items() if k in names})
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        (inner,) = [a for a in typing.get_args(tp) if a is not type(None)]
        return _build(inner, value)
    if origin is list:
        (inner,) = typing.get_args(tp)
        return [_build(inner, v) for v in value]
    if origin is dict:
        return dict(value)
    if tp is float and value is not None:
        return float(value)
    if tp is int and value is not None:
        return int(value)
    return value


def load_result(path: str | os.PathLike[str]) -> BenchmarkResult:
    """Read and validate a result file.

    Raises:
        BenchmarkError: if the file is missing, unreadable, not JSON or not a valid result.
    """
    from mobrecon_bench.jsonio import read_json

    path = Path(path)
    _, doc = read_json(path, "result file")
    try:
        return BenchmarkResult.from_dict(doc)
    except BenchmarkError as err:
        raise BenchmarkError(f"{path}: {err}") from None


def save_result(result: BenchmarkResult, path: str | os.PathLike[str]) -> Path:
    """Write a result file atomically (temp file in the same folder, then rename); returns the path.

    Raises:
        BenchmarkError: if the result does not validate or the folder cannot be written.
    """
    from mobrecon_bench.jsonio import write_text_atomic

    text = result.to_json()
    problems = validate_document(json.loads(text))
    if problems:
        raise BenchmarkError(f"refusing to write an invalid result: {problems[0]}")
    return write_text_atomic(path, text, "result file")
