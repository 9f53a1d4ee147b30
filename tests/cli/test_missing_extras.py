"""A missing optional package is one sentence naming it and the extra that installs it, exit 2, never a traceback.

The packages are made unimportable with ``sys.modules[name] = None`` (what Python does for a
module that is not installed, as far as ``import`` and ``find_spec`` can tell). The export's
own check and ``mobrecon verify`` are in tests/export; here: the entry point that catches it for
every command, and ``mobrecon bench run``.
"""

from __future__ import annotations

import sys

import pytest

import mobrecon.cli
from mobrecon.extras import DISTRIBUTIONS, OPTIONAL_MODULES, MissingExtraError, missing_extra_error, require_modules

from ..export.mobrecon_process import run_mobrecon


def _main_raising(monkeypatch, exc: BaseException) -> None:
    def app() -> None:
        raise exc

    monkeypatch.setattr(mobrecon.cli, "app", app)
    monkeypatch.setattr(sys, "argv", ["mobrecon", "bench", "run"])
    mobrecon.cli.main()


@pytest.mark.parametrize("module, extra", [("onnxruntime.capi", "export"), ("coremltools", "export"), ("matplotlib.pyplot", "bench")])
def test_the_entry_point_turns_a_missing_optional_module_into_one_sentence(monkeypatch, capsys, module, extra):
    with pytest.raises(SystemExit) as info:
        _main_raising(monkeypatch, ModuleNotFoundError(f"No module named '{module}'", name=module))
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    top = module.split(".")[0]
    assert err == [f"error: mobrecon bench needs {top}, which is not installed; it comes with the {extra} extra: "
                   f"pip install 'mobrecon-deploy[{extra}]' (from a checkout: pip install -e '.[{extra}]')"]


def test_a_missing_module_that_is_no_optional_package_is_a_bug_and_stays_a_traceback(monkeypatch):
    with pytest.raises(ModuleNotFoundError, match="mobrecon_typo"):
        _main_raising(monkeypatch, ModuleNotFoundError("No module named 'mobrecon_typo'", name="mobrecon_typo"))


def test_every_optional_module_is_in_the_extra_the_table_names():
    import tomllib
    from pathlib import Path

    extras = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    for module, extra in OPTIONAL_MODULES.items():
        names = {spec.split(">")[0].split("=")[0].split("<")[0].strip().replace("-", "_") for spec in extras[extra]}
        assert DISTRIBUTIONS.get(module, module) in names, (module, extra, names)


def test_require_modules_names_the_first_missing_one(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxsim", None)
    require_modules(["onnx"], "mobrecon export")  # installed: no error
    with pytest.raises(MissingExtraError, match="mobrecon export needs onnxsim") as info:
        require_modules(["onnx", "onnxsim", "onnxruntime"], "mobrecon export")
    assert (info.value.module, info.value.extra) == ("onnxsim", "export")
    assert missing_extra_error(ModuleNotFoundError("x", name="numpy")) is None  # a core dependency: not ours to explain


def test_bench_run_without_onnxruntime_is_one_sentence(tmp_path):
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("Identity", ["image"], ["verts"])], "tiny",
                              [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3])],
                              [helper.make_tensor_value_info("verts", TensorProto.FLOAT, [1, 3])])
    model = tmp_path / "tiny.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]), str(model))
    out = tmp_path / "result.json"
    proc = run_mobrecon("bench", "run", "--onnx", str(model), "--no-progress", "--skip-floor", "--no-yardstick", "--rounds", "1",
                        "--out", str(out), blocked=("onnxruntime",))
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: mobrecon bench needs onnxruntime, which is not installed"), proc.stderr
    assert "pip install 'mobrecon-deploy[export]'" in lines[0] and "Traceback" not in proc.stderr
    assert not out.exists()
