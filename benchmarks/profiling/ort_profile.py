"""Where the time goes inside an ONNX Runtime session: per node and per op type, from ORT's own profiler.

Usage::

    from mobrecon_bench.profiling.ort_profile import profile_onnx, render_profiles

    deploy = profile_onnx("mobrecon-densestack.fp32.onnx", threads=1, iterations=50)
    naive = profile_onnx("mobrecon-densestack.naive.fp32.onnx", threads=1, iterations=50)
    print(render_profiles([deploy, naive], floor_mult_adds_per_s=56e9))

Method: one session with ``SessionOptions.enable_profiling`` (CPU EP, the same options as
``OrtRunner``: ``intra_op_num_threads``, one inter-op thread, sequential), ``warmup`` untimed runs,
then ``iterations`` profiled runs. Node events ("<node>_kernel_time", microseconds) of the last
``iterations`` runs are averaged per inference. Nodes are those of the graph ORT actually runs
(after its fusions and NCHWc layout rewrites): ``FusedConv``, ``ReorderInput`` / ``ReorderOutput``
(NCHW <-> NCHWc copies) and the like appear under their own names.

Multiply-adds per node come from the shapes the profiler records: Conv / FusedConv output
elements x (Cin / groups) x kh x kw; Gemm, MatMul and FusedMatMul output elements x K. Convs are
split by kind (pointwise 1x1, depthwise, dense kxk, grouped) because their achieved rates differ
by an order of magnitude on a CPU, which is what says where a gap to the compute floor comes from.
The profiler adds a little overhead per node; its total is reported beside the plain run time.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mobrecon_bench.errors import BenchmarkError

__all__ = ["NodeTime", "OpTypeTime", "OrtProfile", "profile_onnx", "parse_profile", "node_mult_adds", "render_profiles"]

#: Conv-like ops -> index of the weight input [Cout, Cin/groups, kh, kw].
_CONV_OPS = {"Conv": 1, "FusedConv": 1, "NchwcConv": 1, "ConvInteger": 1, "QLinearConv": 3}
_MATMUL_OPS = ("MatMul", "FusedMatMul", "Gemm", "FusedGemm", "QLinearMatMul", "MatMulInteger")


@dataclass(frozen=True)
class NodeTime:
    """One node of the executed graph.

    Attributes:
        name: node name in ORT's optimized graph.
        op_type: operator, e.g. "Conv", "ReorderOutput".
        kind: op type refined for convs: "Conv pointwise", "Conv depthwise", "Conv dense 3x3", ...
        mean_us: mean kernel time per inference, microseconds.
        mult_adds: multiply-adds per inference (0 for ops that do none worth counting).
        output_shape: shape of the first output.
    """

    name: str
    op_type: str
    kind: str
    mean_us: float
    mult_adds: int
    output_shape: tuple[int, ...]


@dataclass(frozen=True)
class OpTypeTime:
    """Nodes of one kind added up, per inference.

    Attributes:
        kind: as NodeTime.kind.
        nodes: number of nodes.
        total_ms: summed kernel time per inference, milliseconds.
        share: total_ms over the summed kernel time of all nodes (0..1).
        mult_adds: summed multiply-adds.
        mult_adds_per_s: mult_adds / total time; None without multiply-adds.
    """

    kind: str
    nodes: int
    total_ms: float
    share: float
    mult_adds: int
    mult_adds_per_s: float | None


@dataclass
class OrtProfile:
    """Profile of one model file.

    Attributes:
        model: the profiled file name.
        threads: intra-op threads.
        iterations: profiled runs averaged.
        run_ms: median wall time of a profiled run (``model_run`` events), milliseconds.
        runtime_version: onnxruntime version.
        nodes: per node, slowest first.
    """

    model: str
    threads: int
    iterations: int
    run_ms: float
    runtime_version: str
    nodes: list[NodeTime] = field(default_factory=list)

    @property
    def kernel_ms(self) -> float:
        """Summed node kernel time per inference, milliseconds (run_ms minus scheduling overhead)."""
        return sum(n.mean_us for n in self.nodes) / 1000.0

    @property
    def mult_adds(self) -> int:
        """Multiply-adds per inference counted over the executed nodes."""
        return sum(n.mult_adds for n in self.nodes)

    def by_kind(self) -> list[OpTypeTime]:
        """Nodes grouped by kind, most time first."""
        groups: dict[str, list[NodeTime]] = {}
        for n in self.nodes:
            groups.setdefault(n.kind, []).append(n)
        total_us = sum(n.mean_us for n in self.nodes) or 1.0
        rows = []
        for kind, members in groups.items():
            us = sum(n.mean_us for n in members)
            macs = sum(n.mult_adds for n in members)
            rate = macs / (us / 1e6) if macs and us > 0 else None
            rows.append(OpTypeTime(kind, len(members), us / 1000.0, us / total_us, macs, rate))
        return sorted(rows, key=lambda r: -r.total_ms)

    def by_scope(self, depth: int = 3) -> list[tuple[str, float, float]]:
        """Kernel time per module scope of the node names, most first: (scope, ms per inference, share).

        The scope is the first ``depth`` parts of a name like ``/model/decoder/convs.1/Gather``
        (depth 3: ``model/decoder/convs.1``); names without a path (nodes ORT inserted) go to
        "(inserted by onnxruntime)".
        """
        total_us = sum(n.mean_us for n in self.nodes) or 1.0
        acc: dict[str, float] = {}
        for n in self.nodes:
            parts = [p for p in n.name.split("/") if p]
            scope = "/".join(parts[:depth]) if n.name.startswith("/") and len(parts) > 1 else "(inserted by onnxruntime)"
            acc[scope] = acc.get(scope, 0.0) + n.mean_us
        return sorted(((k, us / 1000.0, us / total_us) for k, us in acc.items()), key=lambda r: -r[1])


def _shape(entry: Any) -> tuple[int, ...]:
    """Shape out of a profiler type-shape entry like {"float": [1, 64, 32, 32]}."""
    if isinstance(entry, dict) and entry:
        return tuple(int(d) for d in next(iter(entry.values())))
    return ()


def node_mult_adds(op_type: str, inputs: Sequence[tuple[int, ...]], output: tuple[int, ...]) -> tuple[int, str]:
    """Multiply-adds of one executed node and its kind, from the shapes the profiler records.

    Args:
        op_type: operator name.
        inputs: input shapes (for a conv, the weight [Cout, Cin/groups, kh, kw] is input 1, or 3
            for QLinearConv).
        output: first output shape.

    Returns:
        (multiply-adds, kind). Ops other than convs and matrix products count 0.
    """
    out_elems = math.prod(output) if output else 0
    wi = _CONV_OPS.get(op_type)
    if wi is not None and len(inputs) > wi and len(inputs[wi]) >= 3:
        w = inputs[wi]
        per_output = math.prod(w[1:])
        spatial = "x".join(str(k) for k in w[2:])
        cin = inputs[0][1] if len(inputs[0]) > 1 else 0
        if per_output == 1 or (w[1] == 1 and cin != 1):
            kind = f"{op_type} depthwise {spatial}"
        elif all(k == 1 for k in w[2:]):
            kind = f"{op_type} pointwise 1x1"
        elif cin and w[1] != cin:
            kind = f"{op_type} grouped {spatial}"
        else:
            kind = f"{op_type} dense {spatial}"
        return out_elems * per_output, kind
    if op_type in _MATMUL_OPS and inputs and output:
        a = inputs[0]
        if op_type in ("Gemm", "FusedGemm"):
            k = math.prod(a) // output[0] if output[0] else 0
        else:
            k = a[-1] if a else 0
        return out_elems * k, op_type
    return 0, op_type


def parse_profile(events: list[dict[str, Any]], iterations: int) -> tuple[float, list[NodeTime]]:
    """Median run time and per-node mean times of the last ``iterations`` runs of a profiler trace.

    Args:
        events: the decoded JSON trace written by ONNX Runtime's profiler.
        iterations: how many final ``model_run`` events to keep (earlier ones were warm-up).

    Returns:
        (median run time in ms, nodes slowest first).

    Raises:
        BenchmarkError: if the trace has fewer runs than ``iterations``.
    """
    runs = sorted((e for e in events if e.get("cat") == "Session" and e.get("name") == "model_run"), key=lambda e: e["ts"])
    if len(runs) < iterations or iterations < 1:
        raise BenchmarkError(f"the profile has {len(runs)} runs, fewer than the {iterations} asked for")
    start = runs[-iterations]["ts"]
    acc: dict[str, dict[str, Any]] = {}
    for e in events:
        if e.get("cat") != "Node" or not e.get("name", "").endswith("_kernel_time") or e["ts"] < start:
            continue
        name = e["name"].removesuffix("_kernel_time")
        args = e.get("args", {})
        slot = acc.setdefault(name, {"us": 0.0, "args": args})
        slot["us"] += float(e["dur"])
    nodes = []
    for name, slot in acc.items():
        args = slot["args"]
        op = str(args.get("op_name", "?"))
        ins = [_shape(s) for s in args.get("input_type_shape", [])]
        outs = [_shape(s) for s in args.get("output_type_shape", [])]
        out = outs[0] if outs else ()
        macs, kind = node_mult_adds(op, ins, out)
        nodes.append(NodeTime(name, op, kind, slot["us"] / iterations, macs, out))
    run_ms = float(np.median([e["dur"] for e in runs[-iterations:]])) / 1000.0
    return run_ms, sorted(nodes, key=lambda n: -n.mean_us)


def profile_onnx(path: str | os.PathLike[str], *, threads: int = 1, iterations: int = 50, warmup: int = 10) -> OrtProfile:
    """Profile an ``.onnx`` / ``.ort`` file on the ONNX Runtime CPU EP.

    Args:
        path: the model file; inputs are seeded standard-normal (integers zero) of the declared shapes.
        threads: intra-op threads.
        iterations: profiled runs averaged (after warm-up).
        warmup: untimed runs first.

    Returns:
        OrtProfile with per-node mean times per inference.

    Raises:
        BenchmarkError: if the file is missing or cannot load.
    """
    import onnxruntime as ort

    from mobrecon_bench.running.runners import OrtRunner

    runner = OrtRunner(name=Path(path).stem, path=Path(path), threads=threads)
    runner.validate()
    with tempfile.TemporaryDirectory(prefix="mobrecon-ort-profile-") as tmp:
        session = runner.load(profile_prefix=str(Path(tmp) / "profile"))
        for _ in range(warmup + iterations):
            session.run()
        events = json.loads(Path(session.end_profiling()).read_text(encoding="utf-8"))
        session.close()
    run_ms, nodes = parse_profile(events, iterations)
    return OrtProfile(runner.path.name, threads, iterations, run_ms, ort.__version__, nodes)


def _gmacs(rate: float | None) -> str:
    return "–" if rate is None else f"{rate / 1e9:.1f}"


def _floor_pct(rate: float | None, floor: float | None) -> str:
    return "–" if rate is None or not floor else f"{rate / floor:.0%}"


def render_profiles(profiles: Sequence[OrtProfile], *, floor_mult_adds_per_s: float | None = None, top: int = 12) -> str:
    """Markdown: per kind for each profile side by side, then each profile's slowest nodes.

    Args:
        profiles: profiles to show (e.g. deploy form first, naive export second).
        floor_mult_adds_per_s: the host's fp32 matrix-product rate at the same threads, for the
            "of floor" column; None leaves it out.
        top: slowest nodes listed per profile.

    Returns:
        Markdown text.
    """
    lines = []
    for p in profiles:
        lines += [
            f"### {p.model} (onnxruntime {p.runtime_version}, {p.threads} thread(s), {p.iterations} profiled runs)",
            "",
            f"Run time {p.run_ms:.3f} ms (median, profiler on); summed kernel time {p.kernel_ms:.3f} ms; "
            f"{len(p.nodes)} executed nodes; {p.mult_adds / 1e6:.1f} M multiply-adds in convs and matrix products.",
            "",
            "| kind | nodes | ms / inference | share | M mult-adds | GMAC/s | of floor |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in p.by_kind():
            lines.append(f"| {r.kind} | {r.nodes} | {r.total_ms:.3f} | {r.share:.1%} | {r.mult_adds / 1e6:.1f} | "
                         f"{_gmacs(r.mult_adds_per_s)} | {_floor_pct(r.mult_adds_per_s, floor_mult_adds_per_s)} |")  # fmt: skip
        lines += ["", f"Module scopes (depth 3), top {top}:", "", "| scope | ms / inference | share |", "|---|---|---|"]
        lines += [f"| {scope} | {ms:.3f} | {share:.1%} |" for scope, ms, share in p.by_scope(3)[:top]]
        lines += ["", f"Slowest {top} nodes:", "", "| node | kind | output | ms | GMAC/s |", "|---|---|---|---|---|"]
        for n in p.nodes[:top]:
            rate = n.mult_adds / (n.mean_us / 1e6) if n.mult_adds and n.mean_us > 0 else None
            shape = "x".join(str(d) for d in n.output_shape)
            lines.append(f"| `{n.name}` | {n.kind} | {shape} | {n.mean_us / 1000:.3f} | {_gmacs(rate)} |")
        lines.append("")
    return "\n".join(lines)
