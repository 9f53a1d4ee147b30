"""mobrecon_export: MobRecon from PyTorch to phones (ONNX, ORT Mobile for NNAPI/CoreML EPs, Core ML).

Usage::

    from mobrecon_export import export_model, verify_dir
    result = export_model(targets="onnx,ort,coreml", precision="fp32,fp16,int8", out="exports/")
    print(result.format())
    report = verify_dir("exports/")

Heavy packages (onnx, onnxruntime, coremltools) load only when a stage needs them.
"""

from __future__ import annotations

from typing import Any

__all__ = ["export_model", "ExportResult", "verify_dir", "VerifyReport", "TARGETS"]


def __getattr__(name: str) -> Any:
    if name in ("export_model", "ExportResult"):
        from mobrecon_export import pipeline

        return getattr(pipeline, name)
    if name in ("verify_dir", "VerifyReport"):
        from mobrecon_export import verify

        return getattr(verify, name)
    if name == "TARGETS":
        from mobrecon_export.targets import TARGETS

        return TARGETS
    raise AttributeError(name)
