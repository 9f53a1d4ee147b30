"""Benchmarks for MobRecon artifacts: interleaved latency runs, one result schema, a noise-aware gate.

Usage::

    from mobrecon_bench.running.runners import OrtRunner
    from mobrecon_bench.running.benchmark import run_benchmark
    from mobrecon_bench.results.schema import save_result

    result = run_benchmark([OrtRunner(name="densestack", path="densestack.onnx")], threads=[1, 2])
    save_result(result, "bench-results/result.json")

Command line: ``python -m mobrecon_bench run|report|gate`` (also mounted as ``mobrecon bench``).

Subpackages, in the order of their dependencies (each imports only those before it, and
``errors``; none imports a later one):

- ``results``: the result file and what it is judged against: ``schema`` (result dataclasses,
  JSON, validation against ``result.schema.json``), ``stats`` (summaries, bootstrap, rank test),
  ``targets`` (the paper's FPS targets as data and verdicts), ``run_targets`` (in-run targets).
- ``running``: artifacts -> timed records -> one result: ``runners`` (load and run one artifact),
  ``timing`` (the interleaved loop), ``memory`` (RSS probes), ``host`` (host description and
  compute floor), ``benchmark`` (loop -> result), ``suite`` (export folders -> runners -> result),
  ``naive_onnx`` and ``mediapipe_peer`` (the peers), ``yardstick`` (the fixed graph timed in every run).
- ``gate``: ``gate`` (the regression gate), ``gate_error_rates`` and ``heavier_graph`` (its error
  rates, measured).
- ``reports``: ``report`` (Markdown and chart), ``report_sections`` (its sections, the text table).
- ``profiling``: where the time goes: ``profiling``, ``ort_profile``, ``dsconv_forms``.
- ``devices``: phones and device farms (bundle, device classes, ingestion).

Top level: ``cli`` (the typer layer), ``errors`` (``BenchmarkError``).

The runtimes (torch, onnxruntime, LiteRT) are imported by the runners on use, not by this package.
"""
