"""Report sections beyond latency: cost against the compute floor, accuracy verdicts, in-run targets,
the GhostStack / DenseStack ratio, machine load; and the plain-text table printed after a run.

Usage::

    from mobrecon_bench.reports.report_sections import render_text_table, section_lines

    print(render_text_table(result))                 # what `mobrecon bench run` prints at the end
    lines = section_lines(result)                    # Markdown lines, used by report.render_markdown

Everything is rendered from records of one result; nothing here measures.
"""

from __future__ import annotations

from collections.abc import Sequence

from mobrecon_bench.results.run_targets import judge_run_targets, variant_speed_ratios
from mobrecon_bench.results.schema import BenchmarkRecord, BenchmarkResult, ComputeFloor
from mobrecon_bench.results.targets import TARGETS, Target, is_host_class, judge
from mobrecon_bench.running.yardstick import is_yardstick

__all__ = ["YARDSTICK_NOTE", "floor_for", "accuracy_text", "yardstick_note", "section_lines", "render_text_table"]

_DASH = "–"

#: What a reader is told about the yardstick row wherever one is shown.
YARDSTICK_NOTE = (
    "yardstick.onnx is not a model: a fixed synthetic graph (depthwise-separable convs and a small MatMul head, "
    "mobrecon_bench.running.yardstick) timed in the same rounds as every artifact, so that `mobrecon bench gate` can "
    "normalise two runs by the machine's speed in each"
)


def yardstick_note(result: BenchmarkResult) -> list[str]:
    """``[YARDSTICK_NOTE]`` when the result holds a yardstick record, else ``[]``."""
    return [YARDSTICK_NOTE] if any(is_yardstick(r) for r in result.records) else []


def floor_for(result: BenchmarkResult, rec: BenchmarkRecord) -> ComputeFloor | None:
    """The compute floor of the record's runtime and thread count in the same run, or None."""
    return next((f for f in result.compute_floor if f.runtime == rec.runtime.name and f.threads == rec.threads), None)


def accuracy_text(rec: BenchmarkRecord) -> str:
    """Short accuracy cell: "pass 0.03 mm / 0.004 px", "FAIL 9 mm / 5.1 px", "reference", task or yardstick note."""
    a = rec.accuracy
    if is_yardstick(rec):
        return "n/a: yardstick, not a model"
    if rec.artifact.task:
        return "n/a: different task"
    if a.verdict is None:
        return _DASH
    if a.verdict in ("reference", "not-run"):
        return a.verdict
    errors = ""
    if a.vertex_error_mm_max is not None and a.joint2d_error_px_max is not None:
        errors = f" {a.vertex_error_mm_max:.3g} mm / {a.joint2d_error_px_max:.3g} px"
    return ("pass" if a.verdict == "pass" else "FAIL") + errors


def _gmacs(value: float | None) -> str:
    return _DASH if value is None else f"{value / 1e9:.1f}"


def _cost_lines(result: BenchmarkResult) -> list[str]:
    rows = []
    for rec in result.records:
        if rec.cost.mult_adds is None or rec.status != "ok":
            continue
        floor = floor_for(result, rec)
        frac = rec.cost.compute_floor_fraction
        label = rec.label + (" (yardstick, not a model)" if is_yardstick(rec) else "")
        rows.append(f"| {label} | {rec.cost.mult_adds / 1e6:.1f} | {_gmacs(rec.cost.achieved_mult_adds_per_s)} | "
                    f"{_gmacs(floor.mult_adds_per_s if floor else None)} | {_DASH if frac is None else f'{frac:.0%}'} |")  # fmt: skip
    if not rows:
        return ["No record has a multiply-add count."]
    return [
        "Multiply-adds per inference from the cost counter (`mobrecon.profile`, the paper's convention: Conv and "
        "Linear of the reference form, the same figure for every form of a variant; the yardstick's is counted on "
        "its own graph). Achieved rate = multiply-adds "
        "/ median latency; floor = this host's fp32 matrix-product rate through the same runtime and thread count, "
        "measured in this run.",
        "",
        "| record | M mult-adds | achieved GMAC/s | floor GMAC/s | of floor |",
        "|---|---|---|---|---|",
        *rows,
    ]


def _accuracy_lines(result: BenchmarkResult) -> list[str]:
    seen, rows = set(), []
    for rec in result.records:
        ident = (rec.artifact.name, rec.artifact.precision)
        if ident in seen:
            continue
        seen.add(ident)
        a = rec.accuracy
        rows.append(f"| {rec.artifact.name} {rec.artifact.precision} | {rec.artifact.form or _DASH} | "
                    f"{accuracy_text(rec)} | {a.reason or ''} | {a.source or _DASH} |")  # fmt: skip
    return [
        "Errors against the PyTorch reference (max vertex mm / max 2D joint px). Timing and accuracy are judged "
        "apart: a row that fails its limits is still timed, and marked FAIL here.",
        "",
        "| artifact | form | accuracy | failed limit / note | source |",
        "|---|---|---|---|---|",
        *rows,
    ]


def _run_target_lines(result: BenchmarkResult) -> list[str]:
    rows = []
    for v in judge_run_targets(result):
        value = _DASH if v.value is None else (f"{v.value:.0%}" if v.ci_low is None else f"{v.value:.2f}x")
        ci = "" if v.ci_low is None else f" (95% {v.ci_low:.2f} to {v.ci_high:.2f})"
        rows.append(f"| {v.target.description} | {value}{ci} | **{v.verdict}** | {v.detail} |")
    return [
        "Ratios between records of this run (same machine load), so they are judged on any machine.",
        "",
        "| target | measured | verdict | figures |",
        "|---|---|---|---|",
        *rows,
    ]


def _ratio_lines(result: BenchmarkResult) -> list[str]:
    ratios = variant_speed_ratios(result)
    if not ratios:
        return ["Needs ok records of both variants."]
    rows = [f"| {r.label} | {r.ratio:.2f} (95% {r.ci_low:.2f} to {r.ci_high:.2f}) | {r.paper_ratio:.2f} |" for r in ratios]
    return [
        "GhostStack FPS / DenseStack FPS for the same artifact kind, runtime, precision and threads, beside the "
        "paper's 83 / 67 on an Apple A14 CPU.",
        "",
        "| kind | ghost / dense here | paper (83 / 67) |",
        "|---|---|---|",
        *rows,
    ]


def _load_lines(result: BenchmarkResult) -> list[str]:
    load = result.host_load
    if load is None:
        return ["Load average not available on this platform."]
    cores = result.device.usable_cores or result.device.logical_cores
    return [
        f"Load average (1, 5, 15 min) at start {', '.join(f'{x:g}' for x in load.load_average_start)}; at end "
        f"{', '.join(f'{x:g}' for x in load.load_average_end)}; {cores} usable cores. A load near or above the core "
        "count means other work shared the CPUs during the run; interleaving spreads it over all records."
    ]


def section_lines(result: BenchmarkResult) -> list[str]:
    """Markdown lines of the extra sections: machine load, cost, accuracy, in-run targets, variant ratio."""
    return [
        "## Machine load", "", *_load_lines(result), "",
        "## Cost and compute floor", "", *_cost_lines(result), "",
        "## Accuracy", "", *_accuracy_lines(result), "",
        "## In-run targets", "", *_run_target_lines(result), "",
        "## GhostStack / DenseStack speed", "", *_ratio_lines(result),
    ]  # fmt: skip


def _text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    fmt = lambda row: "  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip()  # noqa: E731
    return [fmt(header), fmt(["-" * w for w in widths]), *[fmt(r) for r in rows]]


def _paper_target_text(result: BenchmarkResult, rec: BenchmarkRecord, targets: Sequence[Target]) -> str:
    verdicts = judge(rec, device_class=result.device.device_class, targets=targets)
    return "; ".join(f"{v.target.fps:g} FPS on {v.target.device_class}: {v.verdict}" for v in verdicts)


def render_text_table(result: BenchmarkResult, *, targets: Sequence[Target] = TARGETS) -> str:
    """The plain-text end-of-run table: one row per record, then in-run targets and the variant ratio.

    Columns: artifact, runtime, precision, threads, median ms, p10-p90 ms, FPS, GMAC/s achieved,
    fraction of the compute floor, accuracy verdict (or the status and reason of a row not timed).
    """
    d = result.device
    kind = "development host: FPS shown beside the paper's targets, never judged against them" if is_host_class(
        d.device_class) else "device"  # fmt: skip
    lines = [f"{d.device_class} ({kind}); CPU {d.cpu_model}, {d.usable_cores or d.logical_cores} usable cores; "
             + ", ".join(f"{k} {v}" for k, v in result.tool_versions.items() if k in ("python", "torch", "onnxruntime",
                                                                                    "ai-edge-litert"))]  # fmt: skip
    if result.host_load is not None:
        lines.append(f"load average at start / end: {result.host_load.load_average_start[0]:g} / "
                     f"{result.host_load.load_average_end[0]:g} (1 min)")  # fmt: skip
    rows = []
    for rec in result.records:
        frac = rec.cost.compute_floor_fraction
        if rec.status == "ok":
            rows.append([rec.artifact.name, rec.runtime.name, rec.artifact.precision, str(rec.threads),
                         f"{rec.median_ms:.3f}", f"{rec.p10_ms:.2f}-{rec.p90_ms:.2f}", f"{rec.fps:.1f}",
                         _gmacs(rec.cost.achieved_mult_adds_per_s), _DASH if frac is None else f"{frac:.0%}",
                         accuracy_text(rec)])  # fmt: skip
        else:
            rows.append([rec.artifact.name, rec.runtime.name, rec.artifact.precision, str(rec.threads),
                         *[_DASH] * 5, f"{rec.status}: {rec.reason}"])  # fmt: skip
    header = ["artifact", "runtime", "prec", "thr", "median ms", "p10-p90 ms", "FPS", "GMAC/s", "floor", "accuracy"]
    lines += ["", *_text_table(header, rows)]
    for name in sorted({r.artifact.task for r in result.records if r.artifact.task}):
        lines.append(f"note: {name}")
    lines += [f"note: {n}" for n in yardstick_note(result)]
    lines += ["", "paper targets (Apple A14 CPU; MobRecon, CVPR 2022, Table 4):"]
    for rec in result.records:
        text = _paper_target_text(result, rec, targets)
        if text and rec.status == "ok" and rec.artifact.form == "deploy" and rec.artifact.format == "onnx":
            lines.append(f"  {rec.label}: {rec.fps:.1f} FPS here; {text}")
    lines += ["", "in-run targets:"]
    for v in judge_run_targets(result):
        value = _DASH if v.value is None else (f"{v.value:.0%}" if v.ci_low is None else f"{v.value:.2f}x")
        lines.append(f"  {v.target.description}: {value} -> {v.verdict.upper()} ({v.detail})")
    ratios = variant_speed_ratios(result)
    if ratios:
        lines += ["", "ghoststack FPS / densestack FPS (paper: 83 / 67 = 1.24):"]
        lines += [f"  {r.label}: {r.ratio:.2f} (95% {r.ci_low:.2f} to {r.ci_high:.2f})" for r in ratios]
    return "\n".join(lines)
