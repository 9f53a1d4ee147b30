"""Running artifacts: runners, the interleaved timing loop, memory and host probes, suites -> one result.

``runners``, ``timing``, ``memory``, ``host``, ``benchmark`` (loop -> result), ``suite`` (export
folders -> runners -> result), ``naive_onnx`` and ``mediapipe_peer`` (peers), ``yardstick``.
Imports ``mobrecon_bench.results``; never the gate, reports or profiling.
"""
