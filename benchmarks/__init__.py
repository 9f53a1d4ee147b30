"""Benchmarks for MobRecon artifacts: interleaved latency runs, one result schema, a noise-aware gate.

Usage::

    from mobrecon_bench.runners import OrtRunner
    from mobrecon_bench.benchmark import run_benchmark
    from mobrecon_bench.schema import save_result

    result = run_benchmark([OrtRunner(name="densestack", path="densestack.onnx")], threads=[1, 2])
    save_result(result, "bench-results/result.json")

Command line: ``python -m mobrecon_bench run|report|gate`` (also mounted as ``mobrecon bench``).

Modules, one job each: ``runners`` (load and run one artifact), ``timing`` (the interleaved loop),
``stats`` (summaries, bootstrap, rank test), ``schema`` (result dataclasses, JSON, validation),
``host`` (host description and compute floor), ``memory`` (RSS probes), ``targets`` (published
FPS targets as data and verdicts), ``benchmark`` (loop -> result), ``gate`` (regression gate),
``report`` (Markdown and chart), ``cli`` (the typer layer).

The runtimes (torch, onnxruntime, LiteRT) are imported by the runners on use, not by this package.
"""
