"""Reading and writing the JSON files of the benchmark tools, with one-sentence errors.

Usage::

    raw, doc = read_json(path, "result file")       # bytes as read (for hashing) and the decoded value
    write_text_atomic(path, text, "result file")    # temp file in the same folder, then rename
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from mobrecon_bench.errors import BenchmarkError

__all__ = ["read_json", "write_text_atomic"]


def read_json(path: str | os.PathLike[str], what: str) -> tuple[bytes, Any]:
    """The bytes of a JSON file and their decoded value.

    Args:
        path: the file.
        what: what the file should be, for the error sentence ("result file", "bundle index").

    Raises:
        BenchmarkError: missing, unreadable, or not JSON.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BenchmarkError(f"{what} {path} does not exist") from None
    except OSError as err:
        raise BenchmarkError(f"cannot read {what} {path}: {err.strerror or err}") from None
    try:
        return raw, json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        where = f" ({err.msg} at line {err.lineno})" if isinstance(err, json.JSONDecodeError) else ""
        raise BenchmarkError(f"{path} is not JSON{where}: not a {what}") from None


def write_text_atomic(path: str | os.PathLike[str], text: str, what: str) -> Path:
    """Write ``text`` to ``path`` through a temp file in the same folder and a rename; returns the path.

    Raises:
        BenchmarkError: the folder cannot be written.
    """
    from mobrecon.files import write_bytes_atomic

    try:
        return write_bytes_atomic(path, text.encode("utf-8"))
    except OSError as err:
        raise BenchmarkError(f"cannot write {what} {path}: {err.strerror or err}") from None
