"""Every Swift file of ios_harness/ parses with the tree-sitter-swift grammar (no Swift toolchain here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.benchmarks.devices.ios.conftest import IOS_HARNESS, swift_files
from tests.benchmarks.devices.ios.swift_source import syntax_problems

SWIFT_FILES = swift_files()


def test_the_package_has_its_swift_files():
    names = {p.relative_to(IOS_HARNESS).as_posix() for p in SWIFT_FILES}
    assert "Package.swift" in names
    for target in ("MobReconHarness", "MobReconDevice", "MobReconCoreML", "MobReconORT", "MobReconHand"):
        assert any(n.startswith(f"Sources/{target}/") for n in names), f"no source in target {target}"
    for target in ("MobReconHarnessCoreTests", "MobReconHandTests", "MobReconDeviceTests"):
        assert any(n.startswith(f"Tests/{target}/") for n in names), f"no source in test target {target}"
    # the app pipeline's port: the maths in the core, the facade in MobReconHand
    assert sum(n.startswith("Sources/MobReconHarness/Pipeline/") for n in names) >= 10
    assert "Sources/MobReconHand/HandMeshPipeline.swift" in names


@pytest.mark.parametrize("path", SWIFT_FILES, ids=lambda p: p.relative_to(IOS_HARNESS).as_posix())
def test_swift_file_parses_without_error_nodes(path: Path):
    problems = syntax_problems(path.read_bytes())
    assert not problems, f"{path.relative_to(IOS_HARNESS)}: " + "; ".join(problems)


@pytest.mark.parametrize("broken", [
    b"struct A { let x: Int = }",            # value missing
    b"func f( { }",                          # unclosed parameter list (MISSING node)
    b"enum Key: String { case a = }",        # raw value missing
    b"let rounds = [[1.0, 2.0], [3.0]",      # unclosed array (MISSING node)
])  # fmt: skip
def test_the_parse_check_reports_broken_swift(broken: bytes):
    assert syntax_problems(broken), "a broken source must give an ERROR or MISSING node"
