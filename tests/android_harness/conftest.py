"""Fixtures for the Android harness tests: the host build of the Kotlin (once per session, cached on
disk by source hash) and a bundle made with numpy exactly per bundle.schema.json.

Without java, javac, the npm Kotlin compiler or the JUnit jars the Kotlin tests skip with the
reason; under CI=true they fail instead (CI must never pass by skipping them).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.android_harness import kotlin_build
from tests.android_harness.numpy_bundle import NumpyBundle, write_numpy_bundle

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

#: Where the JUnit test passes its count for the end-of-run summary line.
JUNIT_COUNT = pytest.StashKey[str]()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """One line at the end of the run: how many Kotlin (JUnit) tests ran inside the pytest test."""
    if JUNIT_COUNT in config.stash:
        terminalreporter.write_line(config.stash[JUNIT_COUNT])


@pytest.fixture(scope="session")
def host_build() -> kotlin_build.HostBuild:
    try:
        return kotlin_build.build()
    except kotlin_build.ToolMissing as err:
        if IN_CI:
            pytest.fail(f"CI=true but {err}", pytrace=False)
        pytest.skip(str(err))


@pytest.fixture(scope="session")
def numpy_bundle(tmp_path_factory: pytest.TempPathFactory) -> NumpyBundle:
    return write_numpy_bundle(tmp_path_factory.mktemp("bundle") / "bundle")


def run_replay(build: kotlin_build.HostBuild, bundle: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    """``java -cp harness-core.jar:kotlin-stdlib.jar mobrecon.harness.core.replay.ReplayMain --bundle ... --out ...``."""
    cmd = [build.toolchain.java, "-cp", build.runtime_classpath(), "mobrecon.harness.core.replay.ReplayMain",
           "--bundle", str(bundle), "--out", str(out), *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)
