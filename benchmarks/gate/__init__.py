"""The regression gate (``gate``) and the measurement of its error rates (``gate_error_rates``,
``heavier_graph``).

Imports ``mobrecon_bench.results`` and ``mobrecon_bench.running``; never reports or profiling.
"""
