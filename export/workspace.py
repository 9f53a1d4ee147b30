"""Where an export is written while it runs, and how it reaches the output folder only when it succeeds.

Usage::

    anchor = check_output_dir(out)        # before any work: raises OutputDirError, creates nothing
    ws = open_workspace(out, anchor)      # hidden temp folder beside out (out untouched)
    ...                                   # artifacts, configs, manifest.json into ws.root
    move_into_place(ws, out)              # only on success; on failure the caller deletes ws.root

The temp folder lives beside ``out`` (in its nearest existing ancestor, so the final move is a
rename on the same file system): ``out`` does not exist or change until the export has passed,
and a failure leaves it exactly as it was (not created if it was new).
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from mobrecon_export.common import Workspace
from mobrecon_export.errors import OutputDirError
from mobrecon_export.manifest import MANIFEST_NAME

__all__ = ["check_output_dir", "open_workspace", "move_into_place"]


def check_output_dir(out: Path) -> Path:
    """The nearest existing ancestor of ``out``, after checking (creating nothing) that the export can be written.

    Raises:
        OutputDirError: ``out`` is a file or not writable, or its nearest existing ancestor is not a writable folder.
    """
    anchor = out.absolute().parent
    while not anchor.exists():
        anchor = anchor.parent
    if out.exists() and not out.is_dir():
        raise OutputDirError(f"output folder {out} is not writable (it is a file)")
    if not anchor.is_dir():
        raise OutputDirError(f"output folder {out} is not writable ({anchor} is a file)")
    for folder in [out] if out.is_dir() else [anchor]:
        if not os.access(folder, os.W_OK | os.X_OK):
            raise OutputDirError(f"output folder {out} is not writable (permission denied on {folder})")
    return anchor


def open_workspace(out: Path, anchor: Path) -> Workspace:
    """A hidden temp folder beside ``out`` (in ``anchor``, its nearest existing ancestor); ``out`` is not touched.

    Raises:
        OutputDirError: no folder can be made there.
    """
    root = anchor / f".{out.name}.mobrecon-export-partial-{uuid.uuid4().hex[:12]}"
    try:
        root.mkdir()
        (root / ".intermediates").mkdir()
    except OSError as exc:
        raise OutputDirError(f"output folder {out} is not writable ({exc.strerror or type(exc).__name__} in {anchor})") from None
    return Workspace(root=root, intermediates=root / ".intermediates")


def move_into_place(ws: Workspace, out: Path) -> None:
    """Step 5b: the workspace becomes ``out`` (new folder), or its files replace theirs in ``out`` (manifest last)."""
    shutil.rmtree(ws.intermediates)
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(ws.root, out)
        return
    names = sorted(p.name for p in ws.root.iterdir() if p.name != MANIFEST_NAME) + [MANIFEST_NAME]
    for name in names:
        src, dst = ws.root / name, out / name
        if dst.is_dir() and not dst.is_symlink():
            trash = ws.root / f".old-{name}"
            shutil.move(dst, trash)
            shutil.rmtree(trash)
        shutil.move(src, dst)
    shutil.rmtree(ws.root)
