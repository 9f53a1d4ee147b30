"""Errors of the export toolchain, each a :class:`mobrecon.errors.MobReconError` with a one-sentence message.

The CLI prints the sentence and exits non-zero; library callers catch the class they care about.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mobrecon.errors import MobReconError

if TYPE_CHECKING:
    from mobrecon_export.pipeline import ExportResult

__all__ = ["ExportError", "OptionError", "OutputDirError", "GateError", "ArtifactMismatchError"]


class ExportError(MobReconError):
    """An export or verification step failed for a reason the user can act on."""


class OptionError(ExportError):
    """An unknown or unsupported option (target, precision, image folder...)."""


class OutputDirError(ExportError):
    """The output folder cannot be created or written."""


class GateError(ExportError):
    """A gate failed (partition coverage, verification threshold): nothing was written to the output folder.

    Attributes:
        result: the export result with every verdict, for the summary table (None when unavailable).
    """

    def __init__(self, message: str, result: "ExportResult | None" = None) -> None:
        super().__init__(message)
        self.result = result


class ArtifactMismatchError(ExportError):
    """An artifact on disk differs from its manifest entry (changed after export, or missing)."""
