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

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from mobrecon_bench.errors import BenchmarkError
from mobrecon_bench.jsonio import read_json, write_text_atomic
from mobrecon_bench.results.schema import BenchmarkResult, validate_document

__all__ = ["RESULT_SET_FORMAT", "load_results", "save_result_set", "group_by_device_class", "result_files"]

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
