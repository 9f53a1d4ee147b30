"""The accuracy protocol of the paper's tables: FreiHAND-format ground truth against predictions.

Usage::

    from mobrecon.evaluation import evaluate_files

    report = evaluate_files(gt="FreiHAND_pub_v2_eval", pred="pred.json")   # EvalReport
    print(report.format()); report.metrics["pa_mpjpe_mm"]

Modules: :mod:`~mobrecon.evaluation.freihand` (reading and writing the FreiHAND layout and the
submission format), :mod:`~mobrecon.evaluation.metrics` (alignments, errors, F-score, AUC, each
saying whose definition it follows), :mod:`~mobrecon.evaluation.report` (all metrics of a set),
:mod:`~mobrecon.evaluation.dataset` (run artifacts over a FreiHAND-format image folder),
:mod:`~mobrecon.evaluation.generated` (a generated set with known answers).
"""

from __future__ import annotations

from typing import Any

__all__ = ["evaluate_files", "evaluate", "EvalReport"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from mobrecon.evaluation import report

        return getattr(report, name)
    raise AttributeError(name)
