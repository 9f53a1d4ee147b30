"""Where the time goes: per-node ONNX Runtime profiles (``ort_profile``), deploy vs naive and the
budget to the targets (``profiling``), the decoder's DSConv forms (``dsconv_forms``).

Imports ``mobrecon_bench.results`` and ``mobrecon_bench.running``.
"""
