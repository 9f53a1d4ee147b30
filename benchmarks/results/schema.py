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
from functools import cache
from pathlib import Path
from typing import Any, Literal

from mobrecon_bench.errors import BenchmarkError

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

#: Version of the result schema written by this tool; bumped on any incompatible change. Version 1
#: files (host fields only) are read unchanged; version 2 adds the optional phone fields.
SCHEMA_VERSION = 2
SCHEMA_PATH = Path(__file__).with_name("result.schema.json")

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
class MemorySamples:
    """Process memory around each round as a phone measures it, MiB.

    Attributes:
        metric: "phys_footprint" (iOS task_vm_info), "pss" (Android Debug.getPss) or "rss".
        before_mib: before each round's session loaded.
        after_mib: after each round's timed runs, session alive.
    """

    metric: str
    before_mib: list[float] = field(default_factory=list)
    after_mib: list[float] = field(default_factory=list)


@dataclass
class Tensor:
    """One output tensor for all N bundle inputs: row-major little-endian float32, base64 (RFC 4648).

    Attributes:
        name: output name ("verts", "uv").
        shape: [N, ...], e.g. [8, 778, 3].
        dtype: "float32".
        byte_order: "little".
        data_base64: the bytes, padded standard base64.
    """

    name: str
    shape: list[int]
    dtype: str
    byte_order: str
    data_base64: str


@dataclass
class RawOutputs:
    """A phone's outputs for the bundle's verification inputs, one list of tensors per round.

    Attributes:
        inputs_sha256: sha256 of the bundle's input file the outputs answer.
        rounds: per round (fresh session), the output tensors.
    """

    inputs_sha256: str
    rounds: list[list[Tensor]] = field(default_factory=list)


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
class Harness:
    """The program that measured a phone result: name, version, platform ("android", "ios", "macos")."""

    name: str
    version: str
    platform: str


@dataclass
class BundleRef:
    """Which verification bundle a phone ran: its format and the sha256 of bundle.json and of the inputs."""

    format: str
    bundle_json_sha256: str
    inputs_sha256: str


@dataclass
class Thermal:
    """Device thermal state at the start and end of a run.

    Attributes:
        scale: "ios-thermal-state" (ProcessInfo.ThermalState) or "android-thermal-status"
            (PowerManager.THERMAL_STATUS_*).
        start, end: the state's name on that scale, None if unknown.
    """

    scale: str
    start: str | None
    end: str | None


@dataclass
class IngestInfo:
    """What ``mobrecon bench ingest`` recomputed and decided about a phone result (never written by a phone).

    Attributes:
        ingested_utc: when, ISO 8601 UTC.
        source_file: the phone's file name.
        source_sha256: sha256 of that file.
        bundle_json_sha256: the bundle it was checked against.
        reported_device_class: device_class as the phone wrote it.
        device_class_rule: the class-table row that assigned ``device.device_class``, with its source.
        notes: disagreements between the phone's figures and the host's, and other changes.
    """

    ingested_utc: str
    source_file: str
    source_sha256: str
    bundle_json_sha256: str
    reported_device_class: str
    device_class_rule: str
    notes: list[str] = field(default_factory=list)


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


@cache
def result_schema() -> dict[str, Any]:
    """The decoded JSON Schema of result files (``result.schema.json``)."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = result_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


_JSON_TYPES = ((bool, "boolean"), (str, "string"), (int, "integer"), (float, "number"), (list, "array"), (dict, "object"))


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return next((name for tp, name in _JSON_TYPES if isinstance(value, tp)), type(value).__name__)


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def schema_problem(error: Any) -> str:
    """One "path: problem" line for a ``jsonschema`` error, short whatever the size of the instance."""
    path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    kind, expected, value = error.validator, error.validator_value, error.instance
    if kind == "required":
        missing = [k for k in expected if isinstance(value, dict) and k not in value]
        problem = f"missing required field {missing[0]!r}" if missing else error.message
    elif kind == "additionalProperties" and isinstance(value, dict):
        known = set(error.schema.get("properties", {}))
        extra = sorted(k for k in value if k not in known)
        problem = f"unexpected field {extra[0]!r}" if extra else error.message
    elif kind == "type":
        names = " or ".join(expected) if isinstance(expected, list) else expected
        problem = f"expected {names}, got {_json_type(value)}"
    elif kind == "enum":
        problem = f"{_short(value)} is not one of {expected}"
    elif kind == "const":
        problem = f"{_short(value)} is not {expected!r}"
    elif kind == "pattern":
        problem = f"{_short(value)} does not match pattern {expected}"
    elif kind == "minimum":
        problem = f"{value} is below the minimum {expected}"
    elif kind == "exclusiveMinimum":
        problem = f"{value} is not above {expected}"
    else:
        problem = error.message if len(error.message) <= 200 else error.message[:197] + "..."
    return f"{path}: {problem}"


def _semantic_problems(doc: dict[str, Any]) -> list[str]:
    """Rules JSON Schema would need conditionals for: ok rows carry samples and summaries."""
    problems = []
    for i, rec in enumerate(doc.get("records", [])):
        where = f"$.records[{i}]"
        if rec["status"] == "ok":
            if not any(rec["latency_ms_samples"]):
                problems.append(f"{where}: status 'ok' but latency_ms_samples is empty")
            for name in ("median_ms", "p10_ms", "p90_ms", "fps"):
                if rec.get(name) is None:
                    problems.append(f"{where}: status 'ok' but {name} is missing")
        elif not rec["reason"]:
            problems.append(f"{where}: status '{rec['status']}' needs a reason")
    return problems


def validate_document(doc: Any) -> list[str]:
    """Problems of a decoded result document, as "path: problem" strings; empty if valid.

    Checks the JSON Schema (structure, types, enums) and then the rules it cannot state: an "ok"
    record has samples and summaries, any other status has a reason.
    """
    if isinstance(doc, dict) and isinstance(doc.get("schema_version"), int) and doc["schema_version"] > SCHEMA_VERSION:
        return [f"$.schema_version: {doc['schema_version']} is newer than this tool reads ({SCHEMA_VERSION})"]
    errors = sorted(_validator().iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    problems = [schema_problem(e) for e in errors]
    return problems or _semantic_problems(doc)


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
