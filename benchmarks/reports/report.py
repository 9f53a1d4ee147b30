"""Render benchmark results and gate outcomes: Markdown tables and a PNG chart.

Usage::

    from mobrecon_bench.reports.report import write_report

    files = write_report(load_result("bench-results/result.json"), "bench-results/report")
    files.markdown, files.chart          # report.md, and report.png (None without matplotlib)

Everything is rendered from records; nothing here measures. The chart needs matplotlib (an
optional dependency); without it the Markdown is written alone and ``files.chart_note`` says why.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mobrecon_bench.errors import BenchmarkError
from mobrecon_bench.gate.gate import GateResult
from mobrecon_bench.reports.report_sections import accuracy_text, section_lines, yardstick_note
from mobrecon_bench.results.schema import BenchmarkRecord, BenchmarkResult
from mobrecon_bench.results.targets import TARGETS, Target, is_host_class, judge
from mobrecon_bench.running.yardstick import YARDSTICK_NAME, is_yardstick

__all__ = ["ReportFiles", "render_summary", "render_markdown", "render_gate_markdown", "render_chart", "report_folder",
           "write_report"]

_DASH = "–"


@dataclass(frozen=True)
class ReportFiles:
    """Files written by :func:`write_report`.

    Attributes:
        markdown: the Markdown report.
        chart: the PNG chart, or None if it was not drawn.
        chart_note: why there is no chart (e.g. matplotlib missing), else None.
    """

    markdown: Path
    chart: Path | None
    chart_note: str | None


def _fmt(value: float | None, digits: int = 3) -> str:
    """Fixed decimals, or a dash for a missing value."""
    return _DASH if value is None else f"{value:.{digits}f}"


def _ms(value: float | None) -> str:
    """Milliseconds to 4 significant digits (0.01607, 12.35), or a dash."""
    return _DASH if value is None else f"{value:.4g}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _host_lines(result: BenchmarkResult) -> list[str]:
    d, m = result.device, result.method
    kind = "development host, not a phone" if is_host_class(d.device_class) else "device"
    versions = ", ".join(f"{k} {v}" for k, v in result.tool_versions.items())
    return [
        f"- **Device class:** `{d.device_class}` ({kind})",
        f"- **Machine:** {result.host}, {d.model_name}; CPU {d.cpu_model}, {d.logical_cores} logical cores"
        + (f" ({d.usable_cores} usable)" if d.usable_cores else "")
        + f"; {d.os}",
        f"- **Run:** {result.created_utc}; {m.rounds} rounds of fresh sessions, {m.warmup_iters} warm-up inferences, "
        f">= {m.min_iters} timed inferences and about {m.time_budget_s:g} s per round, "
        + ("interleaved" if m.interleaved else "not interleaved")
        + (" with alternating order" if m.alternate_order else "")
        + f"; timer {m.timer}; trimmed mean cuts {m.trim_fraction:.0%} from each tail",
        f"- **Tool versions:** {versions}",
    ]


def _floor_lines(result: BenchmarkResult) -> list[str]:
    if not result.compute_floor:
        return ["Compute floor not measured."]
    size = result.compute_floor[0].matrix_size
    rows = [
        [f.runtime, f.runtime_version, str(f.threads), f"{f.mult_adds_per_s / 1e9:.1f}"] for f in result.compute_floor
    ]
    intro = f"Sustained fp32 {size}x{size} matrix product, median of runs; GMAC/s = 10^9 multiply-adds per second."
    return [intro, ""] + _table(["runtime", "version", "threads", "GMAC/s"], rows)


def _latency_row(rec: BenchmarkRecord) -> list[str]:
    loads = sorted(rec.session_load_ms)
    load = loads[len(loads) // 2] if loads else None
    return [
        rec.artifact.name,
        "yardstick (not a model)" if is_yardstick(rec) else rec.artifact.variant or _DASH,
        f"{rec.runtime.name} {rec.runtime.version}",
        str(rec.threads),
        rec.artifact.precision,
        rec.status if rec.status == "ok" else f"{rec.status}: {rec.reason}",
        _ms(rec.median_ms),
        f"{_ms(rec.p10_ms)} / {_ms(rec.p90_ms)}",
        _ms(rec.trimmed_mean_ms),
        _fmt(rec.fps, 1),
        _fmt(rec.round_spread_pct, 1) + ("%" if rec.round_spread_pct is not None else ""),
        _fmt(load, 1),
        _fmt(rec.peak_rss_mib, 0),
        _fmt(rec.rss_growth_mib, 1),
        accuracy_text(rec),
    ]


_LATENCY_HEADER = [
    "artifact", "variant", "runtime", "threads", "precision", "status", "median ms", "p10 / p90 ms",
    "trimmed mean ms", "FPS", "round spread", "load ms (median)", "peak RSS MiB", "RSS growth MiB", "accuracy",
]  # fmt: skip


def _target_lines(result: BenchmarkResult, targets: Sequence[Target]) -> list[str]:
    rows = []
    for rec in result.records:
        for v in judge(rec, device_class=result.device.device_class, targets=targets):
            t = v.target
            rows.append(
                [rec.label, f"{t.variant} on {t.device_class} {t.compute_unit}", f"{t.fps:g}", _fmt(v.fps, 1),
                 _fmt(v.fps_ratio, 2), f"**{v.verdict}**", t.source]
            )  # fmt: skip
    if not rows:
        return ["No record has a variant with a published target."]
    intro = []
    if is_host_class(result.device.device_class):
        intro = [
            f"This run is on a development host (`{result.device.device_class}`). Targets are judged only on their "
            "own device class, so host figures are shown beside them for orientation and never called a pass.",
            "",
        ]
    return intro + _table(["record", "target", "target FPS", "measured FPS", "ratio", "verdict", "source"], rows)


def render_summary(result: BenchmarkResult) -> str:
    """Plain text, one line per record: median, p10-p90 and FPS, or the status and reason."""
    lines = [f"{result.device.device_class} ({result.device.cpu_model}), {result.created_utc}"]
    for rec in result.records:
        if rec.status == "ok":
            lines.append(
                f"  {rec.label}: median {_ms(rec.median_ms)} ms (p10 {_ms(rec.p10_ms)}, p90 {_ms(rec.p90_ms)}), "
                f"{_fmt(rec.fps, 1)} FPS"
            )
        else:
            lines.append(f"  {rec.label}: {rec.status}: {rec.reason}")
    return "\n".join(lines)


def render_markdown(
    result: BenchmarkResult, *, targets: Sequence[Target] = TARGETS, chart_name: str | None = None
) -> str:
    """Markdown report of one result: host and versions, compute floor, latency table, paper targets,
    machine load, cost against the floor, accuracy, in-run targets, GhostStack / DenseStack ratio.

    Args:
        result: the benchmark result.
        targets: the target table to read records against.
        chart_name: file name of a chart to embed, if one was drawn.

    Returns:
        The Markdown text.
    """
    lines = ["# Benchmark report", "", *_host_lines(result), "", "## Compute floor", "", *_floor_lines(result)]
    lines += ["", "## Latency", "", "Per-inference latency over all rounds; FPS = 1000 / median ms, one stream.", ""]
    lines += _table(_LATENCY_HEADER, [_latency_row(r) for r in result.records])
    for note in yardstick_note(result):
        lines += ["", f"`{YARDSTICK_NAME}` {note.removeprefix(YARDSTICK_NAME + ' ')}."]
    lines += ["", "## Targets", "", *_target_lines(result, targets)]
    lines += ["", *section_lines(result)]
    if chart_name:
        lines += ["", "## Chart", "", f"![latency and FPS]({chart_name})"]
    return "\n".join(lines) + "\n"


def render_gate_markdown(outcome: GateResult) -> str:
    """Markdown table of a gate outcome: per pair medians, raw / yardstick / judged ratios, bounds, verdict.

    Args:
        outcome: the gate's result.

    Returns:
        The Markdown text, opening with the one-sentence decision.
    """
    level = f"{2 * outcome.confidence - 1:.0%}"
    rows = [
        [p.label, _ms(p.baseline_median_ms), _ms(p.candidate_median_ms), _fmt(p.raw_ratio), _fmt(p.yardstick_ratio),
         _fmt(p.ratio) + (" (normalised)" if p.normalised else ""),
         _DASH if p.ci_lower is None else f"{p.ci_lower:.3f} to {p.ci_upper:.3f}", _fmt(p.rank_p_value, 3),
         f"**{p.verdict}**", p.note or ""]
        for p in outcome.pairs
    ]  # fmt: skip
    stat = "median" if outcome.quantile == 0.5 else f"p{outcome.quantile * 100:g}"
    header = ["pair", "baseline median ms", "candidate median ms", f"raw {stat} ratio", f"yardstick {stat} ratio",
              f"judged {stat} ratio", f"{level} interval", "rank p", "verdict", "note"]  # fmt: skip
    lines = [f"**Gate:** {outcome.summary}", "", *_table(header, rows)]
    if outcome.notes:
        lines += ["", *[f"- {n}" for n in outcome.notes]]
    return "\n".join(lines) + "\n"


def render_chart(result: BenchmarkResult, path: str | os.PathLike[str], *, targets: Sequence[Target] = TARGETS) -> Path:
    """Draw latency distributions (box plots) and FPS bars with target lines into a PNG.

    Args:
        result: the benchmark result; only "ok" records are drawn.
        path: PNG file to write.
        targets: targets drawn as vertical lines on the FPS panel, for records of their variant.

    Returns:
        The PNG path.

    Raises:
        BenchmarkError: if matplotlib is missing or no record is "ok".
    """
    if importlib.util.find_spec("matplotlib") is None:
        raise BenchmarkError("matplotlib is not installed (pip install matplotlib); no chart drawn")
    ok = [r for r in result.records if r.status == "ok"]
    if not ok:
        raise BenchmarkError("no record has status ok; no chart drawn")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    labels = [r.label + (" [different task]" if r.artifact.task else "") + (" [yardstick]" if is_yardstick(r) else "")
              + (" [accuracy FAIL]" if r.accuracy.verdict == "fail" else "") for r in ok]  # fmt: skip
    fig, (ax_lat, ax_fps) = plt.subplots(1, 2, figsize=(12, 1.2 + 0.5 * len(ok)), sharey=True)
    samples = [[x for rnd in r.latency_ms_samples for x in rnd] for r in ok]
    try:
        ax_lat.boxplot(samples, orientation="horizontal", whis=(10, 90), sym=".")
    except TypeError:  # matplotlib < 3.10 has no ``orientation``
        ax_lat.boxplot(samples, vert=False, whis=(10, 90), sym=".")
    ax_lat.set_yticks(range(1, len(ok) + 1), labels)
    ax_lat.set_xscale("log")  # keeps the boxes readable beside scheduler-tick outliers
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    ax_lat.xaxis.set_major_formatter(plain)
    ax_lat.xaxis.set_minor_formatter(plain)
    ax_lat.tick_params(axis="x", which="minor", labelsize=7)
    ax_lat.set_xlabel("latency per inference, ms, log scale\n(box: quartiles, whiskers: p10-p90)")
    failed = [r.accuracy.verdict == "fail" for r in ok]
    bars = ax_fps.barh(range(1, len(ok) + 1), [r.fps for r in ok], color=["white" if f else "tab:blue" for f in failed],
                       edgecolor=["tab:red" if f else "tab:blue" for f in failed])  # fmt: skip
    for bar, fail in zip(bars, failed):
        if fail:  # an artifact whose outputs fail their limits is not a fast model, however short its bar
            bar.set_hatch("///")
    shown = [t for t in targets if any(r.artifact.variant == t.variant for r in ok)]
    for t, colour in zip(shown, itertools.cycle(("tab:red", "tab:orange", "tab:green", "tab:purple"))):
        rows = [i for i, r in enumerate(ok, start=1) if r.artifact.variant == t.variant]
        ax_fps.vlines([t.fps] * len(rows), [i - 0.45 for i in rows], [i + 0.45 for i in rows], colors=colour,
                      linestyles="--", label=f"{t.variant} target {t.fps:g} FPS ({t.device_class} {t.compute_unit})")  # fmt: skip
    handles, names = ax_fps.get_legend_handles_labels()
    if any(failed):
        from matplotlib.patches import Patch

        handles.append(Patch(facecolor="white", edgecolor="tab:red", hatch="///"))
        names.append("accuracy FAIL: outputs off their limits, not a usable speed")
    if handles:
        ax_fps.legend(handles, names, fontsize=7, loc="best", framealpha=0.9)
    ax_fps.set_xlabel(f"FPS = 1000 / median\n(measured on {result.device.device_class})")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def report_folder(out: str | os.PathLike[str]) -> Path:
    """The report folder, created if needed.

    Raises:
        BenchmarkError: if it cannot be created.
    """
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise BenchmarkError(f"cannot create report folder {out}: {err.strerror or err}") from None
    return out


def write_report(
    result: BenchmarkResult, out: str | os.PathLike[str], *, targets: Sequence[Target] = TARGETS
) -> ReportFiles:
    """Write ``report.md`` and, when possible, ``report.png`` into a folder.

    Args:
        result: the benchmark result.
        out: output folder (created if needed).
        targets: the target table.

    Returns:
        ReportFiles naming what was written.

    Raises:
        BenchmarkError: if the folder cannot be written.
    """
    out = report_folder(out)
    chart, note = None, None
    try:
        chart = render_chart(result, out / "report.png", targets=targets)
    except BenchmarkError as err:
        note = str(err)
    markdown = out / "report.md"
    text = render_markdown(result, targets=targets, chart_name=chart.name if chart else None)
    try:
        markdown.write_text(text, encoding="utf-8")
    except OSError as err:
        raise BenchmarkError(f"cannot write {markdown}: {err}") from None
    return ReportFiles(markdown=markdown, chart=chart, chart_note=note)
