"""Run the ``mobrecon`` command in a fresh interpreter, optionally with packages made unimportable."""

from __future__ import annotations

import os
import subprocess
import sys


def run_mobrecon(*args: str, blocked: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """``mobrecon ARGS`` through its entry point (``mobrecon.cli.main``), output captured as text.

    Args:
        blocked: top-level modules set to None in ``sys.modules`` first, so that importing them
            fails exactly as for a package that is not installed.
    """
    block = "".join(f"sys.modules[{name!r}] = None; " for name in blocked)
    return subprocess.run([sys.executable, "-c", f"import sys; {block}from mobrecon.cli import main; main()", *args],
                          capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
