"""Published speed targets as data, and verdicts that compare only like with like.

Usage::

    from mobrecon_bench.results.targets import TARGETS, judge

    for verdict in judge(record, device_class=result.device.device_class):
        print(verdict.target.variant, verdict.target.fps, verdict.verdict)

A target is "pass" or "fail" only for a record measured on the target's own device class and
compute unit. A host result is shown beside the target as "host (not comparable)" and is never
called a pass: a desktop CPU meeting 67 FPS says nothing about an iPhone meeting it. A record on
the right device and unit passes only if its accuracy verdict is "pass" too: an artifact whose
outputs fail their limits is "fail (accuracy)" however fast it is, and one whose accuracy was not
verified is "not judged (accuracy not verified)".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mobrecon_bench.results.schema import BenchmarkRecord

__all__ = [
    "DeviceClass",
    "Target",
    "TargetVerdict",
    "DEVICE_CLASSES",
    "TARGETS",
    "HOST_VERDICT",
    "OTHER_DEVICE_VERDICT",
    "OTHER_UNIT_VERDICT",
    "NO_RESULT_VERDICT",
    "ACCURACY_FAIL_VERDICT",
    "UNVERIFIED_VERDICT",
    "is_host_class",
    "variant_from_name",
    "judge",
]

HOST_VERDICT = "host (not comparable)"
OTHER_DEVICE_VERDICT = "other device (not comparable)"
OTHER_UNIT_VERDICT = "other compute unit (not comparable)"
NO_RESULT_VERDICT = "no result"
ACCURACY_FAIL_VERDICT = "fail (accuracy)"
UNVERIFIED_VERDICT = "not judged (accuracy not verified)"


@dataclass(frozen=True)
class DeviceClass:
    """A class of devices whose results are comparable with each other.

    Attributes:
        key: identifier written in results' ``device.device_class``, e.g. "apple-a14".
        description: human description, e.g. "Apple A14 Bionic (iPhone 12 family, iPad Air 4)".
    """

    key: str
    description: str


@dataclass(frozen=True)
class Target:
    """A published single-stream speed for one model variant on one device class.

    Attributes:
        device_class: key of the DeviceClass, e.g. "apple-a14".
        compute_unit: where it ran: "cpu", "gpu", "ane", ...
        variant: model variant, matched against ``record.artifact.variant``.
        fps: inferences per second to reach (>=).
        source: citation of the figure.
    """

    device_class: str
    compute_unit: str
    variant: str
    fps: float
    source: str

    @property
    def latency_ms(self) -> float:
        """The target as a per-inference latency, milliseconds."""
        return 1000.0 / self.fps


@dataclass(frozen=True)
class TargetVerdict:
    """A record read against one target.

    Attributes:
        target: the target.
        fps: the record's FPS (1000 / median_ms), or None without a result.
        fps_ratio: fps / target.fps, or None.
        verdict: "pass", "fail", "fail (accuracy)", "not judged (accuracy not verified)",
            "host (not comparable)", "other device (not comparable)", "other compute unit (not
            comparable)" or "no result".
    """

    target: Target
    fps: float | None
    fps_ratio: float | None
    verdict: str


_A14_SOURCE = "MobRecon, CVPR 2022, Table 4 (Apple A14 CPU)"

DEVICE_CLASSES: tuple[DeviceClass, ...] = (
    DeviceClass("apple-a14", "Apple A14 Bionic (iPhone 12 family, iPad Air 4th gen)"),
)

TARGETS: tuple[Target, ...] = (
    Target(device_class="apple-a14", compute_unit="cpu", variant="densestack", fps=67.0, source=_A14_SOURCE),
    Target(device_class="apple-a14", compute_unit="cpu", variant="ghoststack", fps=83.0, source=_A14_SOURCE),
)


def is_host_class(device_class: str) -> bool:
    """True for development-machine classes ("host-x86_64", "host-arm64", ...)."""
    return device_class.startswith("host-")


def variant_from_name(name: str, targets: Sequence[Target] = TARGETS) -> str | None:
    """The target variant an artifact name starts with ("densestack_fp16" -> "densestack"), else None."""
    lowered = name.lower()
    return next((t.variant for t in targets if lowered.startswith(t.variant)), None)


def judge(
    record: BenchmarkRecord, *, device_class: str, targets: Sequence[Target] = TARGETS
) -> list[TargetVerdict]:
    """Read one record against every target of its variant.

    Args:
        record: the benchmark record; its ``artifact.variant`` selects the targets.
        device_class: class of the device the record was measured on (``result.device.device_class``).
        targets: the target table.

    Returns:
        One TargetVerdict per target of the record's variant (empty if it has none).
    """
    verdicts = []
    for target in targets:
        if target.variant != record.artifact.variant:
            continue
        fps = record.fps if record.status == "ok" else None
        ratio = fps / target.fps if fps is not None else None
        if fps is None:
            verdict = NO_RESULT_VERDICT
        elif device_class != target.device_class:
            verdict = HOST_VERDICT if is_host_class(device_class) else OTHER_DEVICE_VERDICT
        elif record.runtime.compute_unit != target.compute_unit:
            verdict = OTHER_UNIT_VERDICT
        elif record.accuracy.verdict == "fail":
            verdict = ACCURACY_FAIL_VERDICT
        elif record.accuracy.verdict != "pass":
            verdict = UNVERIFIED_VERDICT
        else:
            verdict = "pass" if fps >= target.fps else "fail"
        verdicts.append(TargetVerdict(target=target, fps=fps, fps_ratio=ratio, verdict=verdict))
    return verdicts
