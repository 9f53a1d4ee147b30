"""The ``mobrecon`` command: a thin typer layer over the library.

Every command parses its options, calls one library function and prints the result. Errors the
user can cause (:class:`mobrecon.errors.MobReconError`) are printed as one sentence on stderr
with exit code 2; nothing from deep inside torch reaches the terminal as a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from mobrecon.errors import MobReconError

app = typer.Typer(
    name="mobrecon",
    help="MobRecon hand-mesh network: inspect, profile, export to phones, verify and benchmark.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def fail(message: str, code: int = 2) -> "typer.Exit":
    """Print one line to stderr and return an Exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def resolve_topology(template: Optional[Path], topology_file: Optional[Path] = None):
    """Topology from ``--template`` (HandMesh folder), ``--topology`` (our .npz), else synthetic."""
    from mobrecon.topology import Topology

    if template is not None and topology_file is not None:
        raise MobReconError("give either --template or --topology, not both")
    if template is not None:
        return Topology.from_handmesh(template)
    if topology_file is not None:
        return Topology.load(topology_file)
    return Topology.synthetic()


VARIANT_HELP = "Model variant (see `mobrecon info --list`)."
TEMPLATE_HELP = "HandMesh template/ folder (template.ply, transform.pkl, j_reg.npy, right_faces.npy). Default: built-in SYNTHETIC mesh."
TOPOLOGY_HELP = "Topology .npz written by `mobrecon topology convert`."


@app.command()
def info(
    checkpoint: Optional[Path] = typer.Option(None, "--checkpoint", "-c", help="Checkpoint to inspect (any published HandMesh layout). Default: seeded random weights."),
    variant: str = typer.Option("densestack", "--variant", help=VARIANT_HELP),
    template: Optional[Path] = typer.Option(None, "--template", help=TEMPLATE_HELP),
    topology_file: Optional[Path] = typer.Option(None, "--topology", help=TOPOLOGY_HELP),
    list_variants: bool = typer.Option(False, "--list", help="List the registered variants and exit."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """Print a model's layout, parameter count and topology source."""
    from mobrecon.info import describe_model, list_variant_cards

    if list_variants:
        cards = list_variant_cards()
        typer.echo(json.dumps(cards, indent=2) if as_json else "\n".join(f"{c['name']:<24} {c['tag']:<34} {c['description']}" for c in cards))
        return
    report = describe_model(checkpoint=checkpoint, variant=variant, topology=resolve_topology(template, topology_file))
    typer.echo(json.dumps(report.to_dict(), indent=2) if as_json else report.format())


topology_app = typer.Typer(help="Mesh topology: convert a HandMesh template once to our pickle-free .npz.", no_args_is_help=True)
app.add_typer(topology_app, name="topology")


@topology_app.command("convert")
def topology_convert(
    template: Path = typer.Argument(..., help="HandMesh template/ folder."),
    out: Path = typer.Argument(..., help="Output .npz path."),
) -> None:
    """Read a HandMesh template (restricted unpickler) and write our .npz topology."""
    from mobrecon.topology import Topology

    topo = Topology.from_handmesh(template)
    path = topo.save(out)
    typer.echo(f"wrote {path}: {topo.describe()}")


@app.command()
def profile(
    variant: str = typer.Option("densestack", "--variant", help=VARIANT_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    layers: bool = typer.Option(False, "--layers", help="Also print every conv/linear layer."),
) -> None:
    """Count multiply-adds, parameters and bytes moved per layer and stage (the paper's convention)."""
    from mobrecon.profile import profile_variant

    report = profile_variant(variant)
    typer.echo(json.dumps(report.to_dict(), indent=2) if as_json else report.format(layers=layers))


# ---------------------------------------------------------------------- commands from other modules
# (each module owns its command functions; they are registered here)

# export/ and benchmarks/ ship in the same distribution (import names mobrecon_export and
# mobrecon_bench); their command modules import onnx/coremltools/onnxruntime only when run.
from mobrecon_bench.cli import bench_app  # noqa: E402
from mobrecon_bench.devices.cli import device_app  # noqa: E402
from mobrecon_export.cli import export_command, verify_command  # noqa: E402
from mobrecon.evaluation.cli import eval_command  # noqa: E402
from mobrecon.pipeline.cli import demo_command  # noqa: E402

app.command("export")(export_command)
app.command("verify")(verify_command)
app.add_typer(bench_app, name="bench")
app.add_typer(device_app, name="device")
app.command("demo")(demo_command)
app.command("eval")(eval_command)


def main() -> None:
    """Console entry point: run the app, turning user errors into one line and exit code 2.

    A missing optional package (``onnx``, ``onnxruntime``... see :mod:`mobrecon.extras`) is a user
    error too: one sentence naming the package and the extra that installs it.
    """
    try:
        app()
    except MobReconError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except ModuleNotFoundError as exc:
        from mobrecon.extras import missing_extra_error

        error = missing_extra_error(exc, " ".join(["mobrecon", *sys.argv[1:2]]))
        if error is None:
            raise
        typer.echo(f"error: {error}", err=True)
        sys.exit(2)
