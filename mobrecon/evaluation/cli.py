"""``mobrecon eval``: a thin typer layer over the evaluation library (registered in :mod:`mobrecon.cli`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

__all__ = ["eval_command"]


def eval_command(
    gt: Optional[Path] = typer.Option(None, "--gt", help="FreiHAND-format ground-truth folder (<set>_xyz.json, <set>_verts.json, <set>_K.json)."),
    pred: Optional[Path] = typer.Option(None, "--pred", help="Predictions [xyz_list, verts_list] (metres, MPII order), as HandMesh writes them."),
    dataset: Optional[Path] = typer.Option(None, "--dataset", help="FreiHAND-format folder with images: run the models through the pipeline."),
    artifact: Optional[list[str]] = typer.Option(None, "--artifact", help="With --dataset: 'pytorch' or an .onnx/.ort file; repeat for a side-by-side table."),
    checkpoint: Optional[Path] = typer.Option(None, "--checkpoint", "-c", help="PyTorch checkpoint for 'pytorch'. Default: built-in UNTRAINED weights."),
    template: Optional[Path] = typer.Option(None, "--template", help="HandMesh template/ folder. Default: built-in SYNTHETIC mesh."),
    set_name: Optional[str] = typer.Option(None, "--set", help="evaluation or training. Default: the one present."),
    limit: Optional[int] = typer.Option(None, "--limit", help="With --dataset: only the first N samples."),
    save_pred: Optional[Path] = typer.Option(None, "--save-pred", help="With --dataset: write each artifact's predictions here."),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as one JSON object on stdout."),
) -> None:
    """FreiHAND / paper accuracy metrics: --gt with --pred, or --dataset with --artifact ...; no options: the generated known-answer set."""
    from mobrecon.evaluation.errors import EvaluationError

    if dataset is not None:
        from mobrecon.evaluation.dataset import run_dataset

        result = run_dataset(dataset, artifact, checkpoint=checkpoint, template=template, set_name=set_name, limit=limit,
                             save_predictions=save_pred, progress=not as_json)
        typer.echo(json.dumps(result.to_dict()) if as_json else result.format())
    elif gt is not None or pred is not None:
        if gt is None or pred is None:
            raise EvaluationError("give both --gt DIR and --pred FILE (or --dataset DIR)")
        from mobrecon.evaluation.report import evaluate_files

        report = evaluate_files(gt, pred, set_name)
        typer.echo(json.dumps(report.to_dict()) if as_json else report.format())
    else:
        from mobrecon.evaluation.generated import format_known_answers, known_answer_check

        rows, metrics = known_answer_check()
        typer.echo(json.dumps({"generated_set": metrics, "known": [r.__dict__ for r in rows]}) if as_json else format_known_answers(rows))
