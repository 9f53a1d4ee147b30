"""Build the Android harness's Kotlin on this host: harness-core and its JUnit tests on the JVM, and
the Android-only sources (harness-android, app, androidTest) type-checked against API stubs.

Nothing here needs the Android SDK or Gradle. The compiler is the npm package ``kotlin-compiler``
(pinned in ``android_harness/package.json``; ``npm ci --prefix android_harness`` puts it in
``android_harness/node_modules``), run on the machine's Java; JUnit 4.13.2 and hamcrest-core 1.3
come from ``~/.m2/repository``. Outputs are cached under ``android_harness/build/host-kotlin/<key>``
(gitignored), the key a sha256 of every input file and the compiler version, so a second test
session reuses them.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
HARNESS = REPO_ROOT / "android_harness"
COMPILER = HARNESS / "node_modules" / "kotlin-compiler"
STUBS = Path(__file__).resolve().parent / "android_api_stubs"
M2 = Path(os.environ.get("MAVEN_REPO", Path.home() / ".m2" / "repository"))
JUNIT = M2 / "junit" / "junit" / "4.13.2" / "junit-4.13.2.jar"
HAMCREST = M2 / "org" / "hamcrest" / "hamcrest-core" / "1.3" / "hamcrest-core-1.3.jar"

CORE_MAIN = HARNESS / "harness-core" / "src" / "main" / "kotlin"
CORE_TEST = HARNESS / "harness-core" / "src" / "test" / "kotlin"
ANDROID_SOURCES = [HARNESS / "harness-android" / "src" / "main" / "kotlin", HARNESS / "app" / "src" / "main" / "kotlin",
                   HARNESS / "app" / "src" / "androidTest" / "kotlin"]


class ToolMissing(Exception):
    """java, javac, the Kotlin compiler or the JUnit jars are not on this machine (the message says which)."""


@dataclass(frozen=True)
class Toolchain:
    java: str
    javac: str
    kotlinc: Path
    lib: Path
    version: str

    @property
    def stdlib(self) -> Path:
        return self.lib / "kotlin-stdlib.jar"

    def test_classpath(self) -> list[Path]:
        return [self.stdlib, self.lib / "kotlin-test.jar", self.lib / "kotlin-test-junit.jar", JUNIT, HAMCREST]


def find_toolchain() -> Toolchain:
    """The host's Java and the npm Kotlin compiler; raises ToolMissing naming what is absent."""
    java, javac = shutil.which("java"), shutil.which("javac")
    if not java or not javac:
        raise ToolMissing("java/javac (a JDK 17) is not on PATH")
    kotlinc = COMPILER / "bin" / "kotlinc-jvm"
    if not kotlinc.is_file():
        raise ToolMissing(f"the Kotlin compiler is not installed ({kotlinc} missing): run `npm ci --prefix android_harness`")
    for jar in (JUNIT, HAMCREST):
        if not jar.is_file():
            raise ToolMissing(f"{jar} is missing (JUnit 4.13.2 / hamcrest-core 1.3 in the local Maven repository)")
    version = (COMPILER / "build.txt").read_text().strip() if (COMPILER / "build.txt").is_file() else "unknown"
    return Toolchain(java, javac, kotlinc, COMPILER / "lib", version)


def _sources(*roots: Path, suffix: str = ".kt") -> list[Path]:
    return sorted(p for root in roots for p in root.rglob(f"*{suffix}"))


def _key(tc: Toolchain) -> str:
    h = hashlib.sha256(tc.version.encode())
    for p in _sources(CORE_MAIN, CORE_TEST, *ANDROID_SOURCES) + _sources(STUBS, suffix=".java"):
        h.update(str(p.relative_to(REPO_ROOT)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:16]


def _run(cmd: list[str], what: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "JAVA_OPTS": "-Xss4m"})
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")


def _kotlinc(tc: Toolchain, sources: list[Path], out: Path, classpath: list[Path], what: str, friend: Path | None = None) -> None:
    cmd = [str(tc.kotlinc), *map(str, sources), "-jvm-target", "17", "-Werror", "-d", str(out)]
    if friend is not None:  # tests see the module's internal declarations, as Gradle's test source set does
        cmd.append(f"-Xfriend-paths={friend}")
    if classpath:
        cmd += ["-cp", os.pathsep.join(map(str, classpath))]
    _run(cmd, what)


@dataclass(frozen=True)
class HostBuild:
    """What was compiled: the core jar (what ships in the APK), its tests, the Android type check."""

    toolchain: Toolchain
    folder: Path
    core_jar: Path
    tests_jar: Path
    android_check_jar: Path

    def runtime_classpath(self) -> str:
        return os.pathsep.join(map(str, [self.core_jar, self.toolchain.stdlib]))

    def test_classes(self) -> list[str]:
        with zipfile.ZipFile(self.tests_jar) as z:
            names = [n for n in z.namelist() if re.fullmatch(r"[\w/]+Test\.class", n)]
        return sorted(n.removesuffix(".class").replace("/", ".") for n in names)


def build() -> HostBuild:
    """Compile (or reuse from the cache) the core, its tests and the Android-only sources.

    Raises:
        ToolMissing: a tool is absent.
        RuntimeError: a compilation failed (the compiler's output is in the message).
    """
    tc = find_toolchain()
    folder = HARNESS / "build" / "host-kotlin" / _key(tc)
    done = folder / "BUILD-OK"
    result = HostBuild(tc, folder, folder / "harness-core.jar", folder / "harness-core-tests.jar", folder / "android-typecheck.jar")
    if done.is_file():
        return result
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
    try:
        core = tmp / result.core_jar.name
        _kotlinc(tc, _sources(CORE_MAIN), core, [], "kotlinc harness-core")
        _kotlinc(tc, _sources(CORE_TEST), tmp / result.tests_jar.name, [core, *tc.test_classpath()], "kotlinc harness-core tests",
                 friend=core)
        stub_classes = tmp / "stub-classes"
        _run([tc.javac, "-d", str(stub_classes), "-cp", str(JUNIT), *map(str, _sources(STUBS, suffix=".java"))], "javac API stubs")
        _kotlinc(tc, _sources(*ANDROID_SOURCES), tmp / result.android_check_jar.name, [core, stub_classes, JUNIT],
                 "kotlinc harness-android + app + androidTest against the API stubs")
        (tmp / "BUILD-OK").write_text(f"kotlin-compiler {tc.version}\n")
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return result
