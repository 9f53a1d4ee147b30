"""The Swift port of the app pipeline, checked here without a Swift toolchain, from its syntax tree.

What this can tell (and what it cannot: that the Swift compiles, or that its numbers are right; on
a Mac, ``swift test`` runs the XCTests that compare them with the vectors):

- the XCTests' ``Decodable`` types decode ``tests/vectors/pipeline/crop.json`` and
  ``registration.json`` as ``JSONDecoder`` would (every key present and of the declared type, no key
  of the files left undecoded), and the host's ``host-vectors.json`` the same way;
- every stored quantity of the vector files reaches an assertion of the Swift tests (for
  ``compare``, as its ``expected:`` value), every ``compare`` is followed by a ``report``, and
  every key the Kotlin port's vector tests read is read by the Swift tests too;
- the port's constants (crop size, box scale, z bounds, rounds, joints, stop loss, the joint
  orders) are the files' values, and the tests refuse any ``format`` but the files';
- the pipeline's sources import Foundation only.

The mutation tests change one thing in a copy of the Swift and require the check to name it.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import pytest

from tests.benchmarks.devices.ios.conftest import IOS_HARNESS, load_json, swift_files
from tests.benchmarks.devices.ios.swift_source import read_types
from tests.benchmarks.devices.ios.swift_vector_usage import decode_problems, imports, read_fields, static_literals
from tests.conftest import REPO_ROOT

VECTORS = REPO_ROOT / "tests" / "vectors" / "pipeline"
CORE_TESTS = IOS_HARNESS / "Tests" / "MobReconHarnessCoreTests"
PIPELINE_SOURCES = IOS_HARNESS / "Sources" / "MobReconHarness" / "Pipeline"
KOTLIN_VECTOR_TESTS = REPO_ROOT / "android_harness" / "harness-core" / "src" / "test" / "kotlin" / "mobrecon" / "harness" / "core" / "pipeline"

#: file -> the Swift type its XCTests decode it into.
ROOTS = {"crop.json": "CropVectors", "registration.json": "RegistrationVectors"}
#: Descriptive keys a port need not read.
IGNORED = {"what"}
#: The stored results a port must reproduce: (file, place in the file, key). Each must reach an assertion.
RESULTS = [
    ("crop.json", "$", "crop_size"), ("crop.json", "$", "box_scale"),
    *(("crop.json", "$.cases[]", key) for key in ("matrix", "inverse", "scale", "mirrored", "frame_points_in_crop",
                                                  "crop_points_in_frame", "crop_points_unmirrored", "k_crop", "crop_samples")),
    ("crop.json", "$.warp", "expected_float_hwc"),
    *(("registration.json", "$", key) for key in ("z_bounds_m", "max_rounds", "min_joints", "stop_loss_px", "mano_to_mpii")),
    *(("registration.json", "$.cases[]", key) for key in ("expected_t_m", "t_true_m", "expected_rounds", "expected_joints_used",
                                                          "expected_z_at_bound")),
]  # fmt: skip


def check(tests: Path = CORE_TESTS, sources: Path = IOS_HARNESS / "Sources") -> list[str]:
    """Every problem the checks find in the Swift test target ``tests`` and the package ``sources``."""
    paths = swift_files(tests)
    types = read_types(paths)
    problems: list[str] = []
    where: dict[str, dict[str, str]] = {}
    for file, root in ROOTS.items():
        if root not in types:
            problems.append(f"no Swift type {root} decodes {file}")
            continue
        decoding = decode_problems(types, root, load_json(VECTORS / file), file, IGNORED)
        problems += decoding.problems
        where[file] = decoding.types_at
    reads = read_fields(paths, types)
    for file, place, key in RESULTS:
        swift_type = where.get(file, {}).get(place)
        prop = _property_of(types, swift_type, key)
        if prop is None:
            problems.append(f"{file} {place}.{key}: no Swift property decodes it")
        elif (swift_type, prop) not in reads.asserted:
            problems.append(f"{file} {place}.{key} ({swift_type}.{prop}) never reaches an assertion of the Swift tests")
    for file, types_at in where.items():
        for place, swift_type in types_at.items():
            for prop in types[swift_type].properties:
                if (swift_type, prop) not in reads.read:
                    problems.append(f"{file} {place}: {swift_type}.{prop} is decoded but never read")
    problems += [f"{function}: compares but never reports (its differences could not fail the test)" for function in reads.unreported]
    swift_keys = {(types[t].coding_keys or {}).get(p, p) for t, p in reads.read}
    problems += [f"the Kotlin vector tests read '{key}', the Swift tests never do" for key in sorted(kotlin_vector_keys() - swift_keys)]
    problems += _constant_problems(paths, swift_files(sources))
    return problems


def _property_of(types, swift_type: str | None, key: str) -> str | None:
    if swift_type is None or swift_type not in types:
        return None
    declared = types[swift_type]
    keys = declared.coding_keys or {}
    return next((p for p in declared.properties if keys.get(p, p) == key), None)


def kotlin_vector_keys() -> set[str]:
    """Keys the Kotlin port's vector tests read from the files (``case.flat("matrix")``, ``tol.double("k")``...)."""
    accessor = re.compile(r'\.(?:flat|rows|double|int|bool|longs|string|list|obj|objects|stringOrNull)\("([a-z0-9_]+)"\)')
    keys = {m for p in KOTLIN_VECTOR_TESTS.glob("*.kt") for m in accessor.findall(p.read_text(encoding="utf-8"))}
    return keys - IGNORED


def _constant_problems(test_paths: list[Path], source_paths: list[Path]) -> list[str]:
    literals = static_literals(source_paths)
    crop, registration = load_json(VECTORS / "crop.json"), load_json(VECTORS / "registration.json")
    problems: list[str] = []

    def number(owner: str, name: str) -> float | None:
        text = literals.get((owner, name))
        try:
            return float(text) if text is not None else None
        except ValueError:
            return None

    expected = {("HandCrop", "size"): crop["crop_size"], ("HandCrop", "boxScale"): crop["box_scale"],
                ("CameraRegistration", "maxRounds"): registration["max_rounds"],
                ("CameraRegistration", "minJoints"): registration["min_joints"],
                ("CameraRegistration", "stopLossPx"): registration["stop_loss_px"]}  # fmt: skip
    for (owner, name), value in expected.items():
        if number(owner, name) != value:
            problems.append(f"{owner}.{name} is {literals.get((owner, name))!r} in the Swift, the vectors have {value}")
    bounds = literals.get(("CameraRegistration", "zBoundsMetres"), "")
    if [float(v) for v in bounds.split("...")] != registration["z_bounds_m"] if "..." in bounds else True:
        problems.append(f"CameraRegistration.zBoundsMetres is {bounds!r} in the Swift, the vectors have {registration['z_bounds_m']}")
    try:
        mano = ast.literal_eval(literals[("HandOutputs", "manoJoints")])
        mpii = ast.literal_eval(literals[("HandOutputs", "mpiiJoints")])
        order = [mano.index(name) for name in mpii]
    except (KeyError, ValueError, SyntaxError) as error:
        order = f"unreadable ({error})"
    if order != registration["mano_to_mpii"]:
        problems.append(f"HandOutputs.manoJoints / mpiiJoints give the MPII order {order}, the vectors have {registration['mano_to_mpii']}")
    formats = {crop["format"], registration["format"]}
    test_format = static_literals(test_paths).get(("PipelineVectors", "format"), "").strip('"')
    if formats != {test_format}:
        problems.append(f"the Swift tests read format {test_format!r}, the vector files are {sorted(formats)}")
    for path in sorted(p for p in source_paths if PIPELINE_SOURCES.name in p.parts and "MobReconHarness" in p.parts):
        if (modules := imports(path)) != ["Foundation"]:
            problems.append(f"{path.name} imports {modules}: the pipeline's maths is Foundation only")
    return problems


def test_the_swift_pipeline_tests_cover_every_vector_quantity():
    assert check() == []


def test_the_check_reads_what_it_claims():
    """The check is not vacuous: it found the Swift types and their reads of every case's quantities."""
    types = read_types(swift_files(CORE_TESTS))
    reads = read_fields(swift_files(CORE_TESTS), types)
    assert {("CropCase", "k_crop"), ("CropCase", "crop_samples"), ("WarpCase", "expected_float_hwc"),
            ("RegistrationCase", "expected_joints_used"), ("RegistrationVectors", "mano_to_mpii")} <= reads.asserted  # fmt: skip
    # inputs are read but not asserted on; in a `compare`, only the `expected:` argument counts
    assert {("CropCase", "frame_points"), ("CropCase", "crop_points"), ("RegistrationCase", "xyz_m")} <= reads.read - reads.asserted
    assert {"matrix", "k_crop", "expected_t_m", "expected_joints_used", "pixel_value", "t_m"} <= kotlin_vector_keys()
    # the swift files the syntax test globs include the pipeline port
    names = {p.relative_to(IOS_HARNESS).as_posix() for p in swift_files()}
    assert {"Sources/MobReconHarness/Pipeline/CameraRegistration.swift", "Sources/MobReconHand/HandMeshPipeline.swift",
            "Tests/MobReconHarnessCoreTests/CropVectorTests.swift", "Tests/MobReconHandTests/HandMeshPipelineTests.swift"} <= names  # fmt: skip


def test_the_host_vectors_decode_into_the_swift_host_vector_types():
    """host-vectors.json (what HostVectorTests decodes) against HostVectors, the same way."""
    types = read_types(swift_files(CORE_TESTS))
    document = json.loads((CORE_TESTS / "Resources" / "host-vectors.json").read_text(encoding="utf-8"))
    assert decode_problems(types, "HostVectors", document, "host-vectors.json", ignored={"about"}).problems == []


# Each mutation: (file under ios_harness/, text to replace (exactly once), replacement, what the check must say).
MUTATIONS = [
    ("Tests/MobReconHarnessCoreTests/CropVectorTests.swift",
     '            d.compare("k_crop", c.name, expected: flat(c.k_crop), actual: flat(k.rows), tolerance: vectors.tolerance.k)\n', "",
     "$.cases[].k_crop (CropCase.k_crop) never reaches an assertion"),
    ("Tests/MobReconHarnessCoreTests/CropVectorTests.swift", "expected: flat(c.inverse)", "expected: flat(tf.inverse.rows)",
     "$.cases[].inverse (CropCase.inverse) never reaches an assertion"),
    ("Tests/MobReconHarnessCoreTests/RegistrationVectorTests.swift", "c.expected_joints_used,", "reg.jointsUsed,",
     "$.cases[].expected_joints_used (RegistrationCase.expected_joints_used) never reaches an assertion"),
    ("Tests/MobReconHarnessCoreTests/PipelineVectors.swift", "let crop_points_unmirrored: [[Double]]", "let crop_points_unmirored: [[Double]]",
     "CropCase.crop_points_unmirored decodes key 'crop_points_unmirored', which the file does not have"),
    ("Tests/MobReconHarnessCoreTests/PipelineVectors.swift", "let expected_rounds: Int", "let expected_rounds: String",
     "registration.json $.cases[].expected_rounds: Swift String where the file has 1"),
    ("Tests/MobReconHarnessCoreTests/PipelineVectors.swift", "let frame_uint8_hwc: [UInt8]", "let frame_uint8_hwc: [Bool]",
     "crop.json $.warp.frame_uint8_hwc[]: Swift Bool where the file has"),
    ("Tests/MobReconHarnessCoreTests/PipelineVectors.swift", "        let t_true_m: [Double]\n", "",
     "registration.json $.cases[].t_true_m: no property of RegistrationCase decodes it"),
    ("Tests/MobReconHarnessCoreTests/CropVectorTests.swift", "            d.compare(\"k_crop\"", "            _ = d\n            d.compare(\"k_crop\"",
     None),  # a harmless edit: the check must stay quiet
    ("Tests/MobReconHarnessCoreTests/RegistrationVectorTests.swift",
     '            d.compare("t_m vs t_true_m (noise-free)", c.name, expected: c.t_true_m, actual: [t.x, t.y, t.z], tolerance: 1e-9)\n', "",
     "$.cases[].t_true_m (RegistrationCase.t_true_m) never reaches an assertion"),
    ("Tests/MobReconHarnessCoreTests/CropVectorTests.swift", "                  tolerance: vectors.tolerance.pixel_value)\n        d.report()\n",
     "                  tolerance: vectors.tolerance.pixel_value)\n", "CropVectorTests.swift: testGeneralAffineWarp: compares but never reports"),
    ("Tests/MobReconHarnessCoreTests/PipelineVectors.swift", 'static let format = "mobrecon-pipeline-vectors/1"',
     'static let format = "mobrecon-pipeline-vectors/2"', "the Swift tests read format 'mobrecon-pipeline-vectors/2'"),
    ("Sources/MobReconHarness/Pipeline/HandCrop.swift", "public static let boxScale = 1.3", "public static let boxScale = 1.31",
     "HandCrop.boxScale is '1.31' in the Swift, the vectors have 1.3"),
    ("Sources/MobReconHarness/Pipeline/CameraRegistration.swift", "= 0.05...2.0", "= 0.3...2.0",
     "CameraRegistration.zBoundsMetres is '0.3...2.0'"),
    ("Sources/MobReconHarness/Pipeline/HandOutputs.swift", '"R0", "R1", "R2", "R3",\n', '"R0", "R1", "R3", "R2",\n',
     "HandOutputs.manoJoints / mpiiJoints give the MPII order"),
    ("Sources/MobReconHarness/Pipeline/AffineWarp.swift", "import Foundation\n", "import Foundation\nimport UIKit\n",
     "AffineWarp.swift imports ['Foundation', 'UIKit']"),
]  # fmt: skip


@pytest.mark.parametrize("relative, old, new, expected", MUTATIONS, ids=[(m[3] or "harmless edit")[:56] for m in MUTATIONS])
def test_the_check_catches_a_drifted_port(tmp_path, relative, old, new, expected):
    copy = tmp_path / "ios_harness"
    shutil.copytree(IOS_HARNESS / "Tests", copy / "Tests")
    shutil.copytree(IOS_HARNESS / "Sources", copy / "Sources")
    path = copy / relative
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"the mutation's anchor {old!r} is not exactly once in {relative}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    problems = check(copy / "Tests" / "MobReconHarnessCoreTests", copy / "Sources")
    if expected is None:
        assert problems == []
    else:
        assert any(expected in p for p in problems), f"expected a problem containing {expected!r}, got {problems}"
