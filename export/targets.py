"""The export target table: one frozen row per artifact kind; exporter, verifier and CLI read it.

Usage::

    from mobrecon_export.targets import TARGETS, resolve_targets, resolve_precisions, plan
    targets = resolve_targets("onnx,ort")          # ort = both ORT Mobile rows (NNAPI, CoreML EP)
    precisions = resolve_precisions("fp32,int8")
    jobs, skipped = plan(targets, precisions)      # [(Target, precision)], [reason, ...]

Each row says what it builds (file suffix), which precisions make sense for it, which runtime can
verify it on this machine (None: cannot run here), and which accelerator check gates it:

- ``onnx-checker``: ``onnx.checker`` (full check) on the file; no accelerator.
- ``ort-partition``: ONNX Runtime's mobile usability checker must report one partition covering
  100% of nodes for ``accelerator``; otherwise the export is refused with the offending ops.
- ``ane-op-scan``: the Core ML program's MIL ops are listed and any op known not to run on the
  Neural Engine is flagged (reported, not fatal: Core ML falls back to GPU/CPU for those ops).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable

from mobrecon_export.errors import OptionError

__all__ = ["PRECISIONS", "Target", "TARGETS", "TARGET_GROUPS", "get_target", "resolve_targets", "resolve_precisions", "plan"]

#: Precisions, in the order artifacts are built.
#: fp32: float32 weights and compute. fp16: float16 weights and compute (float32 model inputs and
#: outputs kept). int8: ONNX QDQ static quantization (int8 weights per channel, uint8 activations)
#: for ONNX Runtime; 8-bit linear weight compression for Core ML (compute stays float16).
PRECISIONS = ("fp32", "fp16", "int8")


@dataclass(frozen=True)
class Target:
    """One kind of artifact.

    Attributes:
        key: unique name (``onnx``, ``ort-nnapi``, ``ort-coreml``, ``coreml``).
        group: the CLI name that selects it (``--targets ort`` selects both ORT rows).
        suffix: file (or package folder) suffix after ``<stem>.<precision>``.
        precisions: precisions this target supports.
        runtime: what verifies it on this machine (``onnxruntime-cpu``), or None when it cannot run here.
        accelerator: the accelerator the artifact is meant for, or None.
        gate: the check that gates it: ``onnx-checker``, ``ort-partition`` or ``ane-op-scan``.
        graph_form: ONNX graph form the artifact is built from (``portable``, ``nnapi``, ``coreml``);
            see :data:`mobrecon_export.graph_rewrites.GRAPH_FORMS`.
        description: one line for the README and the summary.
        requires: importable modules building, gating and verifying it needs (all in the ``export``
            extra; checked before any work, see :func:`mobrecon.extras.require_modules`).
        precision_notes: (precision, why it is absent or what it means here) pairs.
    """

    key: str
    group: str
    suffix: str
    precisions: tuple[str, ...]
    runtime: str | None
    accelerator: str | None
    gate: str
    graph_form: str
    description: str
    requires: tuple[str, ...] = ()
    precision_notes: tuple[tuple[str, str], ...] = ()

    def note(self, precision: str) -> str:
        """The note about ``precision`` for this target, or ``""``."""
        return dict(self.precision_notes).get(precision, "")

    def filename(self, stem: str, precision: str) -> str:
        """Artifact file name, e.g. ``mobrecon-densestack.nnapi.int8.ort``."""
        infix = {"ort-nnapi": ".nnapi", "ort-coreml": ".coreml-ep"}.get(self.key, "")
        return f"{stem}{infix}.{precision}{self.suffix}"


TARGETS: tuple[Target, ...] = (
    Target(
        key="onnx", group="onnx", suffix=".onnx", precisions=("fp32", "fp16", "int8"),
        runtime="onnxruntime-cpu", accelerator=None, gate="onnx-checker", graph_form="portable",
        description="portable ONNX (opset 18, one self-contained file, fixed batch 1) for any ONNX runtime",
        requires=("onnx", "onnxsim", "onnxruntime"),
    ),
    Target(
        key="ort-nnapi", group="ort", suffix=".ort", precisions=("fp32", "int8"),
        runtime="onnxruntime-cpu", accelerator="NNAPI", gate="ort-partition", graph_form="nnapi",
        description="ORT Mobile format for Android with the NNAPI execution provider",
        requires=("onnx", "onnxsim", "onnxruntime", "flatbuffers"),
        precision_notes=(("fp16", "not built: NNAPI relaxes fp32 to fp16 at run time (NNAPI_FLAG_USE_FP16)"),),
    ),
    Target(
        key="ort-coreml", group="ort", suffix=".ort", precisions=("fp32",),
        runtime="onnxruntime-cpu", accelerator="CoreML (ML Program)", gate="ort-partition", graph_form="coreml",
        description="ORT Mobile format for iOS with the CoreML execution provider (ML Program)",
        requires=("onnx", "onnxsim", "onnxruntime", "flatbuffers"),
        precision_notes=(("int8", "QuantizeLinear/DequantizeLinear are not CoreML EP ML Program ops"),
                         ("fp16", "not built: the EP runs the fp32 graph in fp16 where it can (MLComputeUnits, "
                                  "AllowLowPrecisionAccumulationOnGPU)")),
    ),
    Target(
        key="coreml", group="coreml", suffix=".mlpackage", precisions=("fp32", "fp16", "int8"),
        runtime=None, accelerator="Apple Neural Engine", gate="ane-op-scan", graph_form="pytorch",
        description="Core ML ML Program (iOS 16+) converted from PyTorch with coremltools",
        requires=("coremltools",),
        precision_notes=(("int8", "8-bit linear weight compression of the fp16 program; prediction cannot run on Linux"),),
    ),
)

#: CLI names -> target keys.
TARGET_GROUPS: dict[str, tuple[str, ...]] = {}
for _t in TARGETS:
    TARGET_GROUPS.setdefault(_t.group, ())
    TARGET_GROUPS[_t.group] += (_t.key,)


def get_target(key: str) -> Target:
    """The row with ``key`` (raises :class:`OptionError` naming the close match)."""
    for target in TARGETS:
        if target.key == key:
            return target
    raise OptionError(_unknown("target", key, [t.key for t in TARGETS]))


def _unknown(kind: str, name: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown {kind} {name!r}{hint} (choose from {', '.join(choices)})"


def _split(spec: str | Iterable[str]) -> list[str]:
    items = spec.split(",") if isinstance(spec, str) else [s for part in spec for s in str(part).split(",")]
    return [s.strip().lower() for s in items if s.strip()]


def _names(spec: str | Iterable[str], kind: str, valid: list[str]) -> list[str]:
    """Split ``spec`` and check each name against ``valid`` (raises :class:`OptionError`)."""
    names = _split(spec)
    if not names:
        raise OptionError(f"no {kind} given (choose from {', '.join(valid)})")
    for name in names:
        if name not in valid:
            raise OptionError(_unknown(kind, name, valid))
    return names


def resolve_targets(spec: str | Iterable[str]) -> tuple[Target, ...]:
    """Targets named by CLI names (``onnx,ort,coreml``) or row keys (``ort-nnapi``), in table order.

    Raises:
        OptionError: an unknown name (the close match is suggested), or no name at all.
    """
    valid = list(TARGET_GROUPS) + [t.key for t in TARGETS if t.key not in TARGET_GROUPS]
    keys = {key for name in _names(spec, "target", valid) for key in TARGET_GROUPS.get(name, (name,))}
    return tuple(t for t in TARGETS if t.key in keys)


def resolve_precisions(spec: str | Iterable[str]) -> tuple[str, ...]:
    """Precisions named in ``spec`` (``fp32,fp16,int8``), in :data:`PRECISIONS` order.

    Raises:
        OptionError: an unknown name (the close match is suggested), or no name at all.
    """
    names = _names(spec, "precision", list(PRECISIONS))
    return tuple(p for p in PRECISIONS if p in names)


def plan(targets: Iterable[Target], precisions: Iterable[str]) -> tuple[list[tuple[Target, str]], list[str]]:
    """Every (target, precision) pair to build, and one note per requested pair a target does not support.

    Raises:
        OptionError: when no requested pair is supported at all.
    """
    targets, precisions = list(targets), list(precisions)
    jobs = [(t, p) for t in targets for p in precisions if p in t.precisions]
    skipped = [f"{t.key} {p}: not supported by this target" + (f" ({t.note(p)})" if t.note(p) else "")
               for t in targets for p in precisions if p not in t.precisions]
    if not jobs:
        raise OptionError(
            f"none of the targets {', '.join(t.key for t in targets)} supports precision {', '.join(precisions)}; "
            + "; ".join(f"{t.key} supports {', '.join(t.precisions)}" for t in targets)
        )
    return jobs, skipped
