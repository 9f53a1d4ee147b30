"""``mobrecon device``: the phone path's commands (the bundle; the Android and iOS drivers mount here).

Usage::

    mobrecon device bundle exports/                 # -> exports/bundle/
    mobrecon device bundle exports/ --out /tmp/bundle
    mobrecon device android run exports/bundle --ep nnapi,xnnpack,cpu --threads 1,4
    mobrecon device ios run exports/bundle --device UDID --team TEAMID --compute-units cpuOnly,all

Each command calls one library function and prints its result; a user error prints one sentence
on stderr and exits 2 (``mobrecon.cli`` turns :class:`mobrecon.errors.MobReconError` into that).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mobrecon_bench.cli import user_errors

__all__ = ["device_app"]

device_app = typer.Typer(
    name="device",
    help="Phones: make the verification bundle a phone harness runs; run the Android and iOS harnesses.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@device_app.command()
@user_errors
def bundle(
    export_dir: Annotated[Path, typer.Argument(metavar="EXPORT_DIR", help="Export folder (manifest.json), or a folder of them.")],
    out: Annotated[Path | None, typer.Option(help="Bundle folder. Default: EXPORT_DIR/bundle.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines on stderr.")] = False,
) -> None:
    """Write the verification bundle: artifacts, verification inputs and expected outputs as raw float32, bundle.json."""
    from mobrecon_bench.devices.bundle import make_bundle

    made = make_bundle(export_dir, out, log=(lambda m: None) if quiet else (lambda m: typer.echo(m, err=True)))
    typer.echo(made.format())


# The platform drivers own their command modules; they are mounted here.
from mobrecon_bench.devices.android_cli import android_app  # noqa: E402
from mobrecon_bench.devices.ios_cli import ios_app  # noqa: E402

device_app.add_typer(android_app, name="android")
device_app.add_typer(ios_app, name="ios")
