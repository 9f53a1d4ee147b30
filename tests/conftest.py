"""Shared fixtures: where the reference data lives, and how its absence is handled.

The reference files (golden vectors, HandMesh template) are MANO-derived and never copied into
this repository. Tests read them from ``../shared/reference`` (or ``$MOBRECON_REFERENCE_DIR``).
Where they are absent a test skips with the reason, except under CI (``CI=true``), where the
absence is a failure: CI must never pass by skipping the parity tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = Path(os.environ.get("MOBRECON_REFERENCE_DIR", REPO_ROOT.parent / "shared" / "reference"))
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_reference(*relative: str) -> Path:
    """Path of a file or folder under the reference dir; skip (or fail in CI) if it is absent."""
    path = REFERENCE_DIR.joinpath(*relative)
    if not path.exists():
        reason = f"reference data {path} is absent (it is not shipped; put ../shared/reference beside the checkout)"
        if IN_CI:
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    return require_reference()


@pytest.fixture(scope="session")
def template_dir() -> Path:
    return require_reference("template")


@pytest.fixture(scope="session")
def derived_topology_npz() -> Path:
    return require_reference("topology-derived.npz")


@pytest.fixture(scope="session")
def handmesh_topology(template_dir):
    """The reference hand topology, read from the HandMesh template folder once per session."""
    from mobrecon import Topology

    return Topology.from_handmesh(template_dir)


@pytest.fixture(scope="session")
def synthetic_topology():
    from mobrecon import Topology

    return Topology.synthetic()


#: golden file -> (layout, verts key, uv key) as the reference names its outputs.
GOLDEN_FILES = {
    "densestack": ("golden-densestack.pt", "verts", "joint_img"),
    "densestack-spiralconv": ("golden-densestack-spiralconv.pt", "mesh_pred", "uv_pred"),
}


def load_golden(layout: str) -> dict:
    """A golden file as a dict (state_dict, input, outputs, outputs_float64, intermediates, meta)."""
    import torch

    path = require_reference(GOLDEN_FILES[layout][0])
    return torch.load(path, map_location="cpu", weights_only=True)


# ---------------------------------------------------------------------- a real export and its bundle
@pytest.fixture(scope="session")
def default_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built-in densestack exported to ONNX fp32 only (quick), once per session."""
    from mobrecon_export.pipeline import export_model

    out = tmp_path_factory.mktemp("device-export") / "densestack"
    export_model(variant="densestack", targets="onnx", precision="fp32", out=out, progress=False)
    return out


@pytest.fixture(scope="session")
def default_bundle(default_export: Path):
    """``mobrecon device bundle`` of :func:`default_export`, read back (:class:`mobrecon_bench.devices.bundle_read.Bundle`)."""
    from mobrecon_bench.devices.bundle import make_bundle
    from mobrecon_bench.devices.bundle_read import read_bundle

    made = make_bundle(default_export, default_export.parent / "bundle")
    return read_bundle(made.folder)


@pytest.fixture(scope="session")
def builtin_loaded():
    """The pipeline's built-in default model (seeded weights, synthetic mesh), built once per session (slow to condition)."""
    from mobrecon.pipeline.runner import load_crop_model

    return load_crop_model()
