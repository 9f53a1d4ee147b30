"""``mobrecon export`` and ``mobrecon verify``: thin typer layers over :func:`export_model` and :func:`verify_dir`.

Registered in :mod:`mobrecon.cli`; parameter names match the library's. User errors
(:class:`mobrecon.errors.MobReconError`, and a missing optional package) become one line on stderr
and exit code 2 there; a failed gate or verification prints the summary table and exits 1. With
``--keep-inaccurate`` an export whose only failures are accuracy limits is written and exits 0,
its summary saying how many artifacts FAIL their accuracy limits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

__all__ = ["export_command", "verify_command"]


def export_command(
    checkpoint: Optional[Path] = typer.Option(None, "--checkpoint", "-c", help="Checkpoint of any published HandMesh layout. Default: built-in seeded random weights (predicts no hand)."),
    template: Optional[Path] = typer.Option(None, "--template", help="HandMesh template/ folder. Default: built-in SYNTHETIC mesh (not a hand)."),
    variant: str = typer.Option("densestack", "--variant", help="Variant when no checkpoint is given (see `mobrecon info --list`)."),
    targets: str = typer.Option("onnx,ort,coreml", "--targets", help="Comma list: onnx, ort (NNAPI and CoreML EP .ort files), coreml."),
    precision: str = typer.Option("fp32", "--precision", help="Comma list of fp32, fp16, int8; each target builds the ones it supports. fp16/int8 are judged by task-level limits meant for trained weights (random weights fail them)."),
    out: Path = typer.Option(Path("exports"), "--out", "-o", help="Output folder (written only when every gate passes)."),
    calibration: Optional[Path] = typer.Option(None, "--calibration", help="Folder of images for int8 calibration. Default: generated images."),
    upsample_form: Optional[str] = typer.Option(None, "--upsample-form", help="Deploy mesh upsampling: gather (3-tap), dense (matmul) or mixed (matmul on the small coarse levels). Default: the model's (mixed)."),
    layout: Optional[str] = typer.Option(None, "--layout", help="Deploy decoder layout: rows or rank4. Default: the model's."),
    skip_verify: bool = typer.Option(False, "--skip-verify", help="Skip running the artifacts against PyTorch."),
    keep_inaccurate: bool = typer.Option(False, "--keep-inaccurate", help="Write artifacts that fail their accuracy limits anyway (e.g. fp16/int8 of untrained weights, for timing on phones), marked failed in the manifest. Gate failures still refuse the export."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress lines on stderr."),
) -> None:
    """Export a MobRecon model to ONNX, ORT Mobile (NNAPI, CoreML EP) and Core ML; gate, verify, write a manifest."""
    from mobrecon_export.errors import GateError
    from mobrecon_export.pipeline import export_model

    try:
        result = export_model(checkpoint=checkpoint, template=template, variant=variant, targets=targets, precision=precision,
                              out=out, calibration=calibration, upsample_form=upsample_form, layout=layout, skip_verify=skip_verify,
                              keep_inaccurate=keep_inaccurate, progress=not quiet)
    except GateError as exc:
        if exc.result is not None:
            typer.echo(exc.result.format())
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(result.format())


def verify_command(
    directory: Path = typer.Argument(..., help="Export folder holding manifest.json."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress lines on stderr."),
) -> None:
    """Check an export folder's hashes and re-run its artifacts against the PyTorch model it records."""
    from mobrecon_export.common import Progress
    from mobrecon_export.verify import verify_dir

    report = verify_dir(directory, log=Progress(enabled=not quiet))
    typer.echo(report.format())
    if not report.ok:
        raise typer.Exit(1)
