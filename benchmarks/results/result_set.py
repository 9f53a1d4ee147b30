"""Several result files as one: the merged file ``mobrecon bench ingest`` writes, and folders of results.

Usage::

    from mobrecon_bench.results.result_set import load_results, save_result_set

    results = load_results("bench-results/ingested.json")   # a result, a result set, or a folder of either
    by_class = group_by_device_class(results)               # {"apple-a14": [...], "qualcomm-sm8550": [...]}
    save_result_set(results, "merged.json")

A result set is ``{"format": "mobrecon-result-set/1", "results": [<result>, ...]}``: each member is
an ordinary result document (``result.schema.json``), validated as such. A single result file is
a result set of one.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from mobrecon_bench.errors import BenchmarkError
from mobrecon_bench.jsonio import read_json, write_text_atomic
from mobrecon_bench.results.schema import BenchmarkRecord, BenchmarkResult, validate_document
from mobrecon_bench.results.stats import summarize

__all__ = ["RESULT_SET_FORMAT", "load_results", "save_result_set", "group_by_device_class", "result_files", "merge_results",
           "one_device_class"]

RESULT_SET_FORMAT = "mobrecon-result-set/1"


def _documents(path: Path, doc: Any) -> list[Any]:
    if isinstance(doc, dict) and doc.get("format") == RESULT_SET_FORMAT:
        members = doc.get("results")
        if not isinstance(members, list):
            raise BenchmarkError(f"{path}: a result set needs a 'results' list")
        return members
    return [doc]


def _build(path: Path, doc: Any, index: int | None) -> BenchmarkResult:
    where = f"{path}" if index is None else f"{path} (result {index})"
    problems = validate_document(doc)
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise BenchmarkError(f"{where}: not a valid benchmark result: {problems[0]}{more}")
    return BenchmarkResult.from_dict(doc)


def result_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files named, and every ``*.json`` under the folders named (recursively, sorted).

    Raises:
        BenchmarkError: a path that does not exist, or a folder with no JSON file.
    """
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.json") if p.is_file())
            if not found:
                raise BenchmarkError(f"{path} holds no .json result file")
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise BenchmarkError(f"result file {path} does not exist")
    return files


def load_results(path: str | os.PathLike[str], *, skip_foreign: bool = True) -> list[BenchmarkResult]:
    """Every result in a result file, a result set, or a folder of them.

    Args:
        path: a file or a folder.
        skip_foreign: in a folder, leave out JSON files that are neither results nor result sets
            (e.g. a bundle.json); a named file is always read.

    Raises:
        BenchmarkError: unreadable, not JSON, or not a valid result (one sentence).
    """
    path = Path(path)
    results: list[BenchmarkResult] = []
    for file in result_files([path]):
        _, doc = read_json(file, "result file")
        foreign = not (isinstance(doc, dict) and ("schema_version" in doc or doc.get("format") == RESULT_SET_FORMAT))
        if path.is_dir() and skip_foreign and foreign:
            continue
        members = _documents(file, doc)
        results.extend(_build(file, d, i if len(members) > 1 else None) for i, d in enumerate(members))
    if not results:
        raise BenchmarkError(f"{path} holds no benchmark result")
    return results


def save_result_set(results: Sequence[BenchmarkResult], path: str | os.PathLike[str]) -> Path:
    """Write results as one result set, atomically (temp file + rename); returns the path.

    Raises:
        BenchmarkError: a member does not validate, or the folder cannot be written.
    """
    path = Path(path)
    texts = [r.to_json().rstrip() for r in results]
    for i, text in enumerate(texts):
        problems = validate_document(json.loads(text))
        if problems:
            raise BenchmarkError(f"refusing to write an invalid result set: result {i}: {problems[0]}")
    text = f'{{"format": "{RESULT_SET_FORMAT}", "results": [\n' + ",\n".join(texts) + "\n]}\n"
    return write_text_atomic(path, text, "result set")


def group_by_device_class(results: Iterable[BenchmarkResult]) -> dict[str, list[BenchmarkResult]]:
    """Results grouped by ``device.device_class``, classes in first-seen order."""
    groups: dict[str, list[BenchmarkResult]] = {}
    for result in results:
        groups.setdefault(result.device.device_class, []).append(result)
    return groups


def _pooled_record(records: Sequence[BenchmarkRecord]) -> BenchmarkRecord:
    """One record from the same record on several devices: their rounds side by side, summaries recomputed."""
    first = records[0]
    if len(records) == 1:
        return first
    ok = [r for r in records if r.status == "ok"]
    if not ok:
        return first
    rounds = [rnd for r in ok for rnd in r.latency_ms_samples]
    s = summarize(rounds)
    rank = {"fail": 0, "not-run": 1, None: 1, "pass": 2, "reference": 3}
    worst = min((r.accuracy for r in ok), key=lambda a: rank.get(a.verdict, 1))
    return dataclasses.replace(
        ok[0], latency_ms_samples=rounds, session_load_ms=[x for r in ok for x in r.session_load_ms],
        median_ms=s.median_ms, p10_ms=s.p10_ms, p90_ms=s.p90_ms, trimmed_mean_ms=s.trimmed_mean_ms, mad_ms=s.mad_ms,
        round_median_ms=s.round_median_ms, round_spread_pct=s.round_spread_pct, fps=s.fps, accuracy=worst,
        raw_outputs=None, memory=None,
    )  # fmt: skip


def merge_results(results: Sequence[BenchmarkResult]) -> BenchmarkResult:
    """One result from several results of one device class (e.g. a device farm's phones of one SoC).

    Records with the same key pool their rounds: each phone's rounds stay rounds (sessions), so the
    gate's round bootstrap keeps the device-to-device spread in its interval. The worst accuracy
    verdict of a key is kept.

    Raises:
        BenchmarkError: results of more than one device class.
    """
    classes = sorted({r.device.device_class for r in results})
    if len(classes) != 1:
        raise BenchmarkError(f"cannot merge results of {len(classes)} device classes ({', '.join(classes)})")
    if len(results) == 1:
        return results[0]
    by_key: dict[tuple, list[BenchmarkRecord]] = {}
    for result in results:
        for rec in result.records:
            by_key.setdefault(rec.key, []).append(rec)
    models = sorted({r.device.model_name for r in results})
    first = results[0]
    device = dataclasses.replace(first.device, model_name=f"{len(results)} results: {', '.join(models)}")
    return dataclasses.replace(first, device=device, records=[_pooled_record(recs) for recs in by_key.values()], ingest=None)


def one_device_class(results: Sequence[BenchmarkResult], side: str, device_class: str | None = None) -> BenchmarkResult:
    """The results of one device class merged into one (:func:`merge_results`).

    Args:
        results: every result of a file or folder.
        side: what they are, for the error sentence ("baseline").
        device_class: the class to take; None when the results hold exactly one.

    Raises:
        BenchmarkError: the class is absent, or several classes and none chosen.
    """
    groups = group_by_device_class(results)
    if device_class is None:
        if len(groups) > 1:
            raise BenchmarkError(f"{side} holds results of {len(groups)} device classes ({', '.join(groups)}); "
                                 "choose one with --device-class")  # fmt: skip
        device_class = next(iter(groups))
    if device_class not in groups:
        raise BenchmarkError(f"{side} holds no result of device class {device_class!r} (it has {', '.join(groups)})")
    return merge_results(groups[device_class])
