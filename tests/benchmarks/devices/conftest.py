"""A real bundle of the built-in densestack (ONNX fp32 only, to keep it quick), made once per session."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def default_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from mobrecon_export.pipeline import export_model

    out = tmp_path_factory.mktemp("device-export") / "densestack"
    export_model(variant="densestack", targets="onnx", precision="fp32", out=out, progress=False)
    return out


@pytest.fixture(scope="session")
def default_bundle(default_export: Path):
    from mobrecon_bench.devices.bundle import make_bundle, read_bundle

    made = make_bundle(default_export, default_export.parent / "bundle")
    return read_bundle(made.folder)
