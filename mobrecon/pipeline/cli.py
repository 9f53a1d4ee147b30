"""``mobrecon demo``: a thin typer layer over :func:`mobrecon.pipeline.demo.run_demo` (registered in :mod:`mobrecon.cli`)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

__all__ = ["demo_command"]


def demo_command(
    image: Optional[Path] = typer.Argument(None, help="Photo (any format Pillow reads). Default: a generated image with a drawn right hand."),
    checkpoint: Optional[Path] = typer.Option(None, "--checkpoint", "-c", help="PyTorch checkpoint of any published layout. Default: built-in seeded UNTRAINED weights."),
    template: Optional[Path] = typer.Option(None, "--template", help="HandMesh template/ folder. Default: built-in SYNTHETIC mesh (not a hand)."),
    artifact: Optional[Path] = typer.Option(None, "--artifact", help="Run an exported .onnx/.ort on ONNX Runtime instead of PyTorch."),
    box: Optional[str] = typer.Option(None, "--box", help="Hand box X,Y,W,H in pixels: skips MediaPipe detection."),
    handedness: str = typer.Option("right", "--handedness", help="Side of the hand in --box: right or left (left hands are mirrored)."),
    focal: Optional[float] = typer.Option(None, "--focal", help="Focal length in pixels. Default: the longer image side."),
    out: Path = typer.Option(Path("demo-out"), "--out", "-o", help="Output folder for the overlay PNG, .obj and .json."),
) -> None:
    """Photo to hand mesh: overlay PNG, camera-space mesh (.obj, metres) and JSON (box, handedness, t, joints)."""
    from mobrecon.pipeline.demo import run_demo

    result = run_demo(image, checkpoint=checkpoint, template=template, artifact=artifact, box=box, handedness=handedness,
                      out=out, focal=focal)
    typer.echo(result.format())
