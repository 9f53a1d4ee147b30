"""Errors of the evaluation, each a one-sentence :class:`mobrecon.errors.MobReconError`."""

from __future__ import annotations

from mobrecon.errors import MobReconError

__all__ = ["EvaluationError"]


class EvaluationError(MobReconError):
    """Ground truth or predictions missing, malformed, or not matching each other."""
