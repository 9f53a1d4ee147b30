"""`mobrecon export` / `mobrecon verify` bad input: one line on stderr, non-zero exit, nothing written.

These fail before any conversion runs, so they are fast. Gate failures and changed artifacts,
which need a real export, are in test_export.py. "Nothing written" is strict: an output folder
that did not exist is not created, one that existed is left exactly as it was (names, bytes,
times), and no temp folder is left beside it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from .mobrecon_process import run_mobrecon


def _snapshot(folder: Path) -> dict:
    """Everything observable about a folder tree: each entry's relative path, kind, bytes and mtime."""
    snap = {".": ("dir", None, folder.stat().st_mtime_ns)} if folder.exists() else {}
    for path in sorted(folder.rglob("*")) if folder.exists() else []:
        info = path.stat()
        snap[path.relative_to(folder).as_posix()] = ("dir", None, info.st_mtime_ns) if path.is_dir() else ("file", path.read_bytes(), info.st_mtime_ns)
    return snap


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
    proc = run_mobrecon("export", "--out", str(out), "--quiet", *args)
    _one_error_line(proc, message)
    assert not out.exists() and list(tmp_path.iterdir()) == []


def _bad_checkpoint(tmp_path: Path) -> list[str]:
    garbage = tmp_path / "inputs" / "passwd"
    garbage.write_text("root:x:0:0:root:/root:/bin/bash\n")  # what `--checkpoint /etc/passwd` reads
    return ["--checkpoint", str(garbage)]


def _bad_template(tmp_path: Path) -> list[str]:
    template = tmp_path / "inputs" / "template"
    template.mkdir()
    (template / "template.ply").write_text("not a mesh")
    return ["--template", str(template)]


def _bad_calibration(tmp_path: Path) -> list[str]:  # checked after the temp folder exists: it must be cleaned up
    return ["--precision", "int8", "--targets", "onnx", "--calibration", str(tmp_path / "inputs" / "no-such-folder")]


@pytest.mark.parametrize("out_exists", [False, True], ids=["new-out", "existing-out"])
@pytest.mark.parametrize(
    "make_args, message",
    [(_bad_checkpoint, "error: "), (_bad_template, "error: "), (_bad_calibration, "calibration folder"),
     (lambda tmp: ["--precision", "fp64"], "unknown precision 'fp64'")],
    ids=["bad-checkpoint", "bad-template", "bad-calibration-folder", "bad-option"],
)
def test_a_failed_export_creates_or_changes_nothing(tmp_path, make_args, message, out_exists):
    (tmp_path / "inputs").mkdir()
    args = make_args(tmp_path)
    workdir = tmp_path / "work"
    workdir.mkdir()
    out = workdir / "x"
    if out_exists:
        out.mkdir()
        (out / "old.onnx").write_bytes(b"an earlier export")
        (out / "sub").mkdir()
        (out / "sub" / "keep.txt").write_text("keep me")
    before, parent_before = _snapshot(out), _snapshot(workdir)
    proc = run_mobrecon("export", "--out", str(out), "--quiet", *args)
    _one_error_line(proc, message)
    assert proc.returncode == 2
    assert out.exists() == out_exists
    assert _snapshot(out) == before               # not created, or exactly as it was
    assert _snapshot(workdir) == parent_before    # and no temp folder left beside it


def test_unwritable_output_folder_is_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    proc = run_mobrecon("export", "--out", str(blocker / "exports"), "--quiet")
    _one_error_line(proc, "is not writable")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_output_folder_is_one_line(tmp_path):
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o500)
    try:
        _one_error_line(run_mobrecon("export", "--out", str(out), "--quiet"), "is not writable")
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
    proc = run_mobrecon("export", "--checkpoint", str(checkpoint), "--out", str(out), "--targets", "onnx", "--precision", "fp32", "--quiet")
    _one_error_line(proc, "checkpoint and topology do not match")
    assert not out.exists()


def test_verify_on_a_folder_without_manifest_is_one_line(tmp_path):
    _one_error_line(run_mobrecon("verify", str(tmp_path), "--quiet"), "not an export folder")


def test_commands_are_registered_without_importing_onnx():
    code = ("import sys; import mobrecon.cli as c; "
            "names = {cmd.name for cmd in c.app.registered_commands}; "
            "assert {'export', 'verify'} <= names, names; "
            "assert 'onnx' not in sys.modules and 'coremltools' not in sys.modules, 'heavy import at startup'")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


# ------------------------------------------------------------------ the export extra not installed
@pytest.mark.parametrize("blocked, targets", [("onnx", "onnx"), ("onnxsim", "ort"), ("onnxruntime", "onnx"), ("coremltools", "coreml")])
def test_export_without_the_export_extra_names_the_install_command(tmp_path, blocked, targets):
    out = tmp_path / "out"
    proc = run_mobrecon("export", "--out", str(out), "--targets", targets, "--quiet", blocked=(blocked,))
    _one_error_line(proc, f"mobrecon export needs {blocked}, which is not installed")
    assert proc.returncode == 2
    assert "pip install 'mobrecon-deploy[export]'" in proc.stderr and "pip install -e '.[export]'" in proc.stderr
    assert list(tmp_path.iterdir()) == []
