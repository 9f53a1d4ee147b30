"""User-facing errors of the benchmark tools (bad file, bad option, unusable result)."""

from __future__ import annotations

from mobrecon.errors import MobReconError

__all__ = ["BenchmarkError"]


class BenchmarkError(MobReconError):
    """A benchmark input is unusable (missing file, wrong schema, bad option), in one sentence."""
