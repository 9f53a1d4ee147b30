"""The result fields only phone harnesses (and ``mobrecon bench ingest``) write: schema version 2.

Usage::

    from mobrecon_bench.results.phone_fields import Harness, RawOutputs, Tensor
    record.raw_outputs = RawOutputs(bundle_inputs_sha256, [[Tensor("verts", [8, 778, 3], "float32", "little", b64)]])

Every field here is optional in a result (``results/result.schema.json``); host runs leave them
null. The contract they follow is ``docs/device-contract.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["MemorySamples", "Tensor", "RawOutputs", "Harness", "BundleRef", "Thermal", "IngestInfo"]


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
