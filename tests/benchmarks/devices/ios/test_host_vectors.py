"""The committed host-vectors.json (what the Swift core is tested against) is what the host's code gives."""

from __future__ import annotations

import json

from tests.benchmarks.devices.ios.host_vectors import VECTORS_PATH, build_vectors


def test_host_vectors_are_up_to_date():
    committed = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
    assert committed == build_vectors(), (
        "ios_harness host-vectors.json differs from the host's code: regenerate it with "
        "`python -m tests.benchmarks.devices.ios.host_vectors` and check the Swift core still agrees"
    )


def test_host_vectors_hold_a_failing_and_a_passing_accuracy_case():
    verdicts = {case["verdict"] for case in json.loads(VECTORS_PATH.read_text(encoding="utf-8"))["accuracy"]}
    assert verdicts == {"pass", "fail"}
