"""Optional packages: which extra of ``mobrecon-deploy`` brings each one, and the error when one is missing.

Usage::

    from mobrecon.extras import require_modules, missing_extra_error
    require_modules(["onnx", "onnxruntime"], "mobrecon export")    # raises MissingExtraError if absent
    error = missing_extra_error(exc)    # a ModuleNotFoundError -> MissingExtraError, None if not ours

The heavy packages are imported where a stage needs them, not at start-up. When one is missing,
the user gets one sentence naming the package and the install command, never a traceback: the
export checks its targets' modules before any work, and the ``mobrecon`` entry point turns any
other missing optional module into the same sentence (:func:`mobrecon.cli.main`).
"""

from __future__ import annotations

import importlib.util
from typing import Iterable

from mobrecon.errors import MobReconError

__all__ = ["OPTIONAL_MODULES", "DISTRIBUTIONS", "MissingExtraError", "missing_extra_error", "require_modules"]

#: Top-level import name -> the extra in pyproject.toml that installs it.
OPTIONAL_MODULES: dict[str, str] = {
    "onnx": "export",
    "onnxruntime": "export",
    "onnxsim": "export",
    "coremltools": "export",
    "flatbuffers": "export",
    "matplotlib": "bench",
    "tqdm": "bench",
    "ai_edge_litert": "bench",
    "PIL": "app",
}

#: Import names whose package on PyPI is named otherwise.
DISTRIBUTIONS: dict[str, str] = {"PIL": "pillow"}


class MissingExtraError(MobReconError):
    """An optional package a command needs is not installed.

    Attributes:
        module: the missing top-level module.
        extra: the extra that installs it.
    """

    def __init__(self, module: str, extra: str, purpose: str = "this command") -> None:
        package = DISTRIBUTIONS.get(module, module)
        super().__init__(f"{purpose} needs {package}, which is not installed; it comes with the {extra} extra: "
                         f"pip install 'mobrecon-deploy[{extra}]' (from a checkout: pip install -e '.[{extra}]')")
        self.module = module
        self.extra = extra


def missing_extra_error(exc: ModuleNotFoundError, purpose: str = "this command") -> MissingExtraError | None:
    """The :class:`MissingExtraError` for ``exc`` when it names an optional module, else None."""
    module = (exc.name or "").split(".")[0]
    extra = OPTIONAL_MODULES.get(module)
    return MissingExtraError(module, extra, purpose) if extra else None


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a broken or half-imported package counts as missing
        return False


def require_modules(modules: Iterable[str], purpose: str) -> None:
    """Raise :class:`MissingExtraError` for the first of ``modules`` that cannot be imported.

    Args:
        modules: top-level module names, each a key of :data:`OPTIONAL_MODULES`.
        purpose: what needs them, for the message (``"mobrecon export"``).
    """
    for module in modules:
        if not _installed(module):
            raise MissingExtraError(module, OPTIONAL_MODULES[module], purpose)
