"""Reports over many results: one table per device class, so a device-farm run over dozens of phones
reads as one report.

Usage::

    from mobrecon_bench.reports.device_report import write_device_report

    files = write_device_report(load_results("bench-results/ingested.json"), "bench-results/report")
    files.markdown, files.charts       # report.md, and report-<device class>.png per class

Everything is rendered from records: nothing here measures or recomputes. Phone results are meant
to be ingested first (``mobrecon bench ingest``): only then are their statistics and accuracy the
host's and their device class assigned; results that were not ingested are labelled so.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mobrecon_bench.errors import BenchmarkError
from mobrecon_bench.reports.report import render_chart, report_folder
from mobrecon_bench.reports.report_sections import accuracy_text
from mobrecon_bench.results.result_set import group_by_device_class
from mobrecon_bench.results.schema import BenchmarkRecord, BenchmarkResult
from mobrecon_bench.results.targets import TARGETS, Target, is_host_class, judge

__all__ = ["DeviceReportFiles", "render_device_markdown", "write_device_report"]

_DASH = "–"


@dataclass(frozen=True)
class DeviceReportFiles:
    """Files written by :func:`write_device_report`.

    Attributes:
        markdown: the Markdown report.
        charts: device class -> its PNG chart (classes without a chart are absent).
        chart_notes: why a class has no chart.
    """

    markdown: Path
    charts: dict[str, Path] = field(default_factory=dict)
    chart_notes: list[str] = field(default_factory=list)


def _num(value: float | None, fmt: str) -> str:
    return _DASH if value is None else format(value, fmt)


def _class_description(device_class: str) -> str:
    from mobrecon_bench.devices.device_classes import describe_class

    return "development host, not a phone" if is_host_class(device_class) else describe_class(device_class)


def _device_line(result: BenchmarkResult) -> str:
    d = result.device
    parts = [f"**{d.model_name}**", d.os]
    if d.soc_model:
        parts.append(f"SoC {d.soc_manufacturer or ''} {d.soc_model}".replace("  ", " "))
    if result.harness:
        parts.append(f"{result.harness.name} {result.harness.version}")
    if result.thermal:
        parts.append(f"thermal {result.thermal.start} -> {result.thermal.end}")
    parts.append(f"run {result.created_utc}")
    if result.ingest:
        parts.append(f"ingested {result.ingest.ingested_utc} from `{result.ingest.source_file}`; class by {result.ingest.device_class_rule}")
    elif not is_host_class(d.device_class):
        parts.append("**not ingested: its figures are the phone's own, not checked by the host**")
    return "- " + "; ".join(parts)


def _runtime_text(rec: BenchmarkRecord) -> str:
    text = f"{rec.runtime.name} {rec.runtime.version}"
    if rec.runtime.options:
        text += " (" + ", ".join(f"{k}={v}" for k, v in sorted(rec.runtime.options.items())) + ")"
    return text


def _memory_text(rec: BenchmarkRecord) -> str:
    if rec.memory and rec.memory.after_mib:
        return f"{max(rec.memory.after_mib):.0f} ({rec.memory.metric})"
    return _num(rec.peak_rss_mib, ".0f")


def _row(result: BenchmarkResult, rec: BenchmarkRecord, targets: Sequence[Target]) -> list[str]:
    verdicts = judge(rec, device_class=result.device.device_class, targets=targets)
    target = "; ".join(f"{v.target.fps:g} FPS: **{v.verdict}**" for v in verdicts) or _DASH
    status = rec.status if rec.status == "ok" else f"{rec.status}: {rec.reason}"
    loads = sorted(rec.session_load_ms)
    thermal = f"{rec.thermal_state_start} -> {rec.thermal_state_end}" if rec.thermal_state_start else _DASH
    return [result.device.model_name, rec.artifact.name, _runtime_text(rec), rec.runtime.compute_unit, str(rec.threads),
            rec.artifact.precision, status, _num(rec.median_ms, ".4g"),
            f"{_num(rec.p10_ms, '.4g')} / {_num(rec.p90_ms, '.4g')}", _num(rec.fps, ".1f"),
            _num(loads[len(loads) // 2] if loads else None, ".1f"), _num(rec.compile_ms, ".0f"), _memory_text(rec),
            thermal, accuracy_text(rec), target]  # fmt: skip


_HEADER = ["device", "artifact", "runtime", "unit", "threads", "precision", "status", "median ms", "p10 / p90 ms",
           "FPS", "load ms", "compile ms", "memory MiB", "thermal", "accuracy", "paper target"]  # fmt: skip


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(_HEADER) + " |", "|" + "|".join("---" for _ in _HEADER) + "|"]
    return lines + ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in rows]


def render_device_markdown(results: Sequence[BenchmarkResult], *, targets: Sequence[Target] = TARGETS,
                           charts: dict[str, str] | None = None) -> str:  # fmt: skip
    """Markdown of many results: per device class, its devices, one table of every record, the notes.

    Args:
        results: results of any devices (ingested phone results, host results).
        targets: the target table; verdicts are pass/fail only on a target's own class and unit.
        charts: device class -> chart file name to embed.

    Returns:
        The Markdown text.
    """
    groups = group_by_device_class(results)
    target_text = "; ".join(f"{t.variant} {t.fps:g} FPS on {t.device_class} {t.compute_unit}" for t in targets)
    lines = ["# Benchmark report", "",
             f"{len(results)} result{'s' if len(results) != 1 else ''} from {len(groups)} device "
             f"class{'es' if len(groups) != 1 else ''}. Paper targets: {target_text} "
             f"({targets[0].source}). A target is judged only on records of its own device class and compute unit "
             "whose accuracy passed; every other record is shown beside it as not comparable.", ""]  # fmt: skip
    for device_class, members in groups.items():
        lines += [f"## `{device_class}`: {_class_description(device_class)}", ""]
        lines += [_device_line(r) for r in members] + [""]
        lines += _table([_row(r, rec, targets) for r in members for rec in r.records])
        notes = [f"{r.device.model_name}: {n}" for r in members if r.ingest for n in r.ingest.notes]
        if notes:
            lines += ["", "Notes from ingestion:", "", *[f"- {n}" for n in notes]]
        if charts and device_class in charts:
            lines += ["", f"![latency and FPS on {device_class}]({charts[device_class]})"]
        lines.append("")
    return "\n".join(lines)


def _class_view(members: Sequence[BenchmarkResult]) -> BenchmarkResult:
    """One result holding every record of a class, each named with its device (for the chart)."""
    records = [dataclasses.replace(rec, artifact=dataclasses.replace(rec.artifact, name=f"{r.device.model_name}: {rec.artifact.name}"))
               for r in members for rec in r.records]  # fmt: skip
    return dataclasses.replace(members[0], records=records)


def write_device_report(results: Sequence[BenchmarkResult], out: str | os.PathLike[str], *,
                        targets: Sequence[Target] = TARGETS) -> DeviceReportFiles:  # fmt: skip
    """Write ``report.md`` and a chart per device class (``report-<class>.png``) into a folder.

    Raises:
        BenchmarkError: if the folder cannot be written.
    """
    out = report_folder(out)
    charts: dict[str, Path] = {}
    chart_notes: list[str] = []
    for device_class, members in group_by_device_class(results).items():
        try:
            charts[device_class] = render_chart(_class_view(members), out / f"report-{device_class}.png", targets=targets)
        except BenchmarkError as err:
            chart_notes.append(f"{device_class}: {err}")
    markdown = out / "report.md"
    text = render_device_markdown(results, targets=targets, charts={k: v.name for k, v in charts.items()})
    try:
        markdown.write_text(text, encoding="utf-8")
    except OSError as err:
        raise BenchmarkError(f"cannot write {markdown}: {err.strerror or err}") from None
    return DeviceReportFiles(markdown, charts, chart_notes)
