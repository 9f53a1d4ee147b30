"""pyproject.toml packages every folder with an ``__init__.py`` and every JSON file inside them.

The package-dir mapping (``benchmarks/`` -> ``mobrecon_bench`` and so on) keeps setuptools'
``packages.find`` from seeing the import names, so the package list is written out by hand; these
tests catch a new subpackage or data file that a non-editable ``pip install .`` would leave out.
"""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

from .conftest import REPO_ROOT


def _setuptools() -> dict:
    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def _packages_on_disk() -> dict[str, Path]:
    """Import name -> folder of every package below the package-dir roots."""
    found: dict[str, Path] = {}
    for name, folder in _setuptools()["package-dir"].items():
        root = REPO_ROOT / folder
        for init in root.rglob("__init__.py"):
            rel = init.parent.relative_to(root)
            found[".".join((name, *rel.parts))] = init.parent
    return found


def test_every_package_is_listed():
    listed = set(_setuptools()["packages"])
    on_disk = set(_packages_on_disk())
    assert on_disk - listed == set(), "packages missing from pyproject.toml"
    assert listed - on_disk == set(), "pyproject.toml lists packages that do not exist"


def test_every_json_file_is_package_data():
    package_data = _setuptools().get("package-data", {})
    missing = []
    for name, folder in _packages_on_disk().items():
        for path in folder.glob("*.json"):
            if not any(fnmatch.fnmatch(path.name, pattern) for pattern in package_data.get(name, [])):
                missing.append(str(path.relative_to(REPO_ROOT)))
    assert missing == []
