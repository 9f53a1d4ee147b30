"""``mobrecon device android run``: the Android harness on a phone over adb (a thin layer over
:func:`mobrecon_bench.devices.android.run_on_device`).

Usage::

    mobrecon device android run exports/bundle --ep nnapi,xnnpack,cpu --threads 1,4 --rounds 5
    mobrecon device android run exports/bundle --serial R5CT1234 --skip-install --skip-ingest

``android_app`` is mounted as ``mobrecon device android``. A user error prints one ``error: ...``
line on stderr and exits 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mobrecon.errors import MobReconError

__all__ = ["android_app", "DEFAULT_BUNDLE"]

DEFAULT_BUNDLE = Path("exports/bundle")

android_app = typer.Typer(
    name="android",
    help="Run the Android harness (android_harness/) on a phone over adb and ingest its result.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@android_app.callback()
def _group() -> None:
    """Run the Android harness (android_harness/) on a phone over adb and ingest its result."""


@android_app.command("run")
def run(
    bundle: Annotated[Path, typer.Argument(help="Bundle folder from `mobrecon device bundle`. Default: exports/bundle.")] = DEFAULT_BUNDLE,
    serial: Annotated[str | None, typer.Option(help="adb serial of the phone. Default: the only connected device.")] = None,
    ep: Annotated[str, typer.Option(help="Compute units, comma separated: nnapi, xnnpack, cpu.")] = "nnapi,xnnpack,cpu",
    threads: Annotated[str, typer.Option(help="Intra-op thread counts, comma separated, e.g. 1,4.")] = "1",
    rounds: Annotated[int, typer.Option(help="Fresh sessions per record, interleaved.")] = 5,
    warmup: Annotated[int, typer.Option(help="Untimed inferences per session.")] = 10,
    min_iters: Annotated[int, typer.Option(help="Minimum timed inferences per round.")] = 20,
    time_budget_s: Annotated[float, typer.Option("--time-budget-s", help="Timed seconds per record per round.")] = 1.0,
    artifacts: Annotated[str | None, typer.Option(help="Bundle artifact ids, comma separated. Default: every Android artifact.")] = None,
    nnapi_fp16: Annotated[bool, typer.Option("--nnapi-fp16", help="Let NNAPI relax fp32 to fp16 (NNAPI_FLAG_USE_FP16).")] = False,
    force_nnapi: Annotated[bool, typer.Option("--force-nnapi", help="Time NNAPI on Android 15+ (deprecated there; skipped otherwise).")] = False,
    diagnostic: Annotated[bool, typer.Option("--diagnostic", help="ONNX Runtime logging at VERBOSE on the phone (adb logcat -s onnxruntime).")] = False,
    skip_placement: Annotated[bool, typer.Option("--skip-placement", help="No extra profiled session per record (no nodes_by_provider).")] = False,
    out: Annotated[Path, typer.Option(help="Folder for the pulled result and the ingested file.")] = Path("bench-results/android"),
    app_apk: Annotated[Path | None, typer.Option(help="App APK. Default: the Gradle debug output.")] = None,
    test_apk: Annotated[Path | None, typer.Option(help="Instrumentation-test APK. Default: the Gradle debug output.")] = None,
    skip_install: Annotated[bool, typer.Option("--skip-install", help="Use the APKs already installed.")] = False,
    skip_ingest: Annotated[bool, typer.Option("--skip-ingest", help="Only pull the phone's result file.")] = False,
    timeout_s: Annotated[float, typer.Option("--timeout-s", help="Limit of the instrumentation run, seconds.")] = 3600.0,
) -> None:
    """Install the harness, push BUNDLE, run the instrumentation test, pull the result and ingest it."""
    from mobrecon_bench.devices.android import APP_APK, TEST_APK, AndroidRunOptions, run_on_device

    options = AndroidRunOptions(
        serial=serial, eps=ep, threads=threads, rounds=rounds, warmup=warmup, min_iters=min_iters, time_budget_s=time_budget_s,
        artifacts=artifacts, nnapi_fp16=nnapi_fp16, force_nnapi=force_nnapi, diagnostic=diagnostic, placement=not skip_placement,
        app_apk=app_apk or APP_APK, test_apk=test_apk or TEST_APK, out_dir=out, skip_install=skip_install,
        skip_ingest=skip_ingest, timeout_s=timeout_s,
    )
    try:
        outcome = run_on_device(bundle, options, log=lambda m: typer.echo(m, err=True))
    except MobReconError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    typer.echo(outcome.format())
