"""`mobrecon export` / `mobrecon verify` bad input: one line on stderr, non-zero exit, nothing written.

These fail before any conversion runs, so they are fast. Gate failures and changed artifacts,
which need a real export, are in test_export.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from mobrecon.cli import main; main()", *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})


def _one_error_line(proc: subprocess.CompletedProcess, message: str) -> None:
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--targets", "onnx,ortt"], "unknown target 'ortt'; did you mean 'ort'?"),
        (["--precision", "fp32,in8"], "unknown precision 'in8'; did you mean 'int8'?"),
        (["--targets", "ort-coreml", "--precision", "int8"], "supports fp32"),
        (["--variant", "densestak"], "did you mean 'densestack'"),
    ],
)
def test_bad_options_are_one_line_and_write_nothing(tmp_path, args, message):
    out = tmp_path / "out"
    proc = _run("export", "--out", str(out), "--quiet", *args)
    _one_error_line(proc, message)
    assert not out.exists() or not any(out.iterdir())


def test_unwritable_output_folder_is_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    proc = _run("export", "--out", str(blocker / "exports"), "--quiet")
    _one_error_line(proc, "is not writable")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_output_folder_is_one_line(tmp_path):
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o500)
    try:
        _one_error_line(_run("export", "--out", str(out), "--quiet"), "is not writable")
    finally:
        out.chmod(0o700)


def test_checkpoint_topology_mismatch_is_one_line(tmp_path):
    from mobrecon.info import seeded_model
    from mobrecon.topology import Topology

    state = seeded_model("densestack", Topology.synthetic()).state_dict()
    state["lifting.pvl"] = torch.zeros(50, 21)  # a 50-vertex coarsest level: not this topology
    checkpoint = tmp_path / "other-topology.pt"
    torch.save(state, checkpoint)
    out = tmp_path / "out"
    proc = _run("export", "--checkpoint", str(checkpoint), "--out", str(out), "--targets", "onnx", "--precision", "fp32", "--quiet")
    _one_error_line(proc, "checkpoint and topology do not match")
    assert not any(out.iterdir())


def test_verify_on_a_folder_without_manifest_is_one_line(tmp_path):
    _one_error_line(_run("verify", str(tmp_path), "--quiet"), "not an export folder")


def test_commands_are_registered_without_importing_onnx():
    code = ("import sys; import mobrecon.cli as c; "
            "names = {cmd.name for cmd in c.app.registered_commands}; "
            "assert {'export', 'verify'} <= names, names; "
            "assert 'onnx' not in sys.modules and 'coremltools' not in sys.modules, 'heavy import at startup'")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
