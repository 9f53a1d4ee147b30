"""Paths of the iOS harness package and the schemas it writes and reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT

IOS_HARNESS = REPO_ROOT / "ios_harness"
RESULT_SCHEMA = REPO_ROOT / "benchmarks" / "results" / "result.schema.json"
BUNDLE_SCHEMA = REPO_ROOT / "benchmarks" / "devices" / "bundle.schema.json"


def swift_files(root: Path = IOS_HARNESS) -> list[Path]:
    """Every .swift file of the package (Package.swift included), build folders left out."""
    return sorted(p for p in root.rglob("*.swift") if not {".build", ".swiftpm", "DerivedData"} & set(p.parts))


def load_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def result_schema() -> dict[str, Any]:
    return load_json(RESULT_SCHEMA)


@pytest.fixture(scope="session")
def bundle_schema() -> dict[str, Any]:
    return load_json(BUNDLE_SCHEMA)
