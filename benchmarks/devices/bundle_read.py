"""Reading a verification bundle back on the host (what ingest does), and its schema.

Usage::

    from mobrecon_bench.devices.bundle_read import read_bundle

    bundle = read_bundle("exports/bundle")          # validated bundle.json
    bundle.expected_outputs("densestack")["verts"]  # [N, 778, 3] float32, units of 0.2 m
    bundle.inputs()                                 # [N, 3, 128, 128] float32, normalised

Raw files are checked against their recorded size and sha256 as they are read. The bundle is
written by :func:`mobrecon_bench.devices.bundle.make_bundle`; its layout is in that module and in
``docs/device-contract.md``.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from mobrecon_bench.errors import BenchmarkError

__all__ = ["BUNDLE_FORMAT", "BUNDLE_JSON", "INPUTS_FILE", "SCHEMA_PATH", "Bundle", "read_bundle", "bundle_schema",
           "schema_problems"]

BUNDLE_FORMAT = "mobrecon-device-bundle/1"
BUNDLE_JSON = "bundle.json"
INPUTS_FILE = "inputs/verification.f32"
SCHEMA_PATH = Path(__file__).with_name("bundle.schema.json")


@cache
def bundle_schema() -> dict[str, Any]:
    """The decoded JSON Schema of ``bundle.json``."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def schema_problems(doc: Any) -> list[str]:
    """Problems of a decoded bundle.json against ``bundle.schema.json``, as "path: problem" lines."""
    from jsonschema import Draft202012Validator

    from mobrecon_bench.results.schema import schema_problem

    errors = sorted(Draft202012Validator(bundle_schema()).iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    return [schema_problem(e) for e in errors]


@dataclass
class Bundle:
    """A bundle as the host reads it back (ingest): the validated index and its raw tensors.

    Attributes:
        folder: the bundle folder.
        index: decoded bundle.json.
        index_sha256: sha256 of the bundle.json bytes.
    """

    folder: Path
    index: dict[str, Any]
    index_sha256: str

    @property
    def inputs_sha256(self) -> str:
        """sha256 of the verification-input file."""
        return self.index["inputs"]["tensor"]["sha256"]

    def artifact(self, artifact_id: str) -> dict[str, Any] | None:
        """The artifact entry with this id (file name), or None."""
        return next((a for a in self.index["artifacts"] if a["id"] == artifact_id), None)

    def model(self, model_id: str) -> dict[str, Any]:
        """The model entry with this id."""
        return next(m for m in self.index["models"] if m["id"] == model_id)

    def read_tensor(self, entry: dict[str, Any]) -> np.ndarray:
        """A raw tensor file of the bundle as float32 [shape], checked against its size and sha256.

        Raises:
            BenchmarkError: missing file, wrong size or changed bytes.
        """
        path = self.folder / entry["file"]
        try:
            data = path.read_bytes()
        except OSError as err:
            raise BenchmarkError(f"bundle file {entry['file']} cannot be read: {err.strerror or err}") from None
        expected = 4 * int(np.prod(entry["shape"]))
        if len(data) != expected or len(data) != entry["size_bytes"]:
            raise BenchmarkError(f"bundle file {entry['file']} has {len(data)} bytes; its shape {entry['shape']} implies {expected}")
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise BenchmarkError(f"bundle file {entry['file']} changed since the bundle was made (sha256 mismatch)")
        kind = {"float32": ("<f4", np.float32), "int32": ("<i4", np.int32)}[entry["dtype"]]
        return np.frombuffer(data, dtype=kind[0]).reshape(entry["shape"]).astype(kind[1])

    def expected_outputs(self, model_id: str) -> dict[str, np.ndarray]:
        """The PyTorch float32 outputs of a model for all N inputs: name -> [N, ...]."""
        return {e["name"]: self.read_tensor(e) for e in self.model(model_id)["expected_outputs"]}

    def inputs(self) -> np.ndarray:
        """The verification inputs, [N, 3, S, S] float32."""
        return self.read_tensor(self.index["inputs"]["tensor"])


def read_bundle(folder: str | os.PathLike[str]) -> Bundle:
    """Read and validate a bundle folder's bundle.json (the raw tensors are read on demand).

    Raises:
        BenchmarkError: not a bundle folder, not JSON, or not following ``bundle.schema.json``.
    """
    from mobrecon_bench.jsonio import read_json

    folder = Path(folder)
    path = folder / BUNDLE_JSON
    if not folder.is_dir():
        raise BenchmarkError(f"bundle folder {folder} does not exist")
    if not path.is_file():
        raise BenchmarkError(f"{folder} has no {BUNDLE_JSON}: not a bundle (make one with `mobrecon device bundle EXPORT_DIR`)")
    raw, index = read_json(path, "bundle index")
    if isinstance(index, dict) and index.get("format") != BUNDLE_FORMAT:
        raise BenchmarkError(f"{path} is not a {BUNDLE_FORMAT} index (format {index.get('format')!r})")
    problems = schema_problems(index)
    if problems:
        raise BenchmarkError(f"{path} does not follow the bundle schema: {problems[0]}")
    return Bundle(folder, index, hashlib.sha256(raw).hexdigest())
