"""Cost counter (mobrecon.profile) and DSConv traffic model (mobrecon.traffic).

The DenseStack numbers are exact: the paper's convention reproduces Table 4 (439.9M Mult-Adds,
8.1M params; decoder 19.5M / 0.1M), see shared/reference/PAPER.md section 2.1.
"""

from __future__ import annotations

import io
import json
import warnings

import pytest
import torch
from torch import nn

from mobrecon import Topology, create_model
from mobrecon.dsconv import DSConv
from mobrecon.errors import MobReconError
from mobrecon.profile import STAGES, CostReport, profile_model, profile_variant
from mobrecon.traffic import DECODER_LAYERS, TRAFFIC_FORMS, decoder_traffic, dsconv_traffic, format_decoder_traffic


@pytest.fixture(scope="module")
def dense() -> CostReport:
    return profile_variant("densestack")


def test_densestack_exact(dense: CostReport) -> None:
    assert dense.total_mult_adds == 439_943_168
    assert dense.total_params == 8_095_741
    assert (dense.stage("decoder").mult_adds, dense.stage("decoder").params) == (19_462_400, 116_293)
    backbone = next(b for b in dense.boundaries if b.name.startswith("backbone"))
    assert (backbone.mult_adds, backbone.params) == (420_480_768, 7_979_448)
    rows = {b.name: b for b in dense.boundaries}
    assert rows["stem"].mult_adds == 42_991_616
    assert rows["encoder without stem"].mult_adds == 372_302_976
    assert dense.stage("lifting").mult_adds == 0
    assert any(layer.name == "lifting.pvl" and layer.stage == "decoder" and layer.params == 49 * 21 for layer in dense.layers)


@pytest.mark.parametrize("variant", ["densestack", "ghoststack", "densestack-spiralconv"])
def test_stages_sum_to_total(variant: str, dense: CostReport) -> None:
    report = dense if variant == "densestack" else profile_variant(variant)
    for field in ("mult_adds", "params", "read_bytes", "written_bytes", "weight_bytes"):
        assert sum(getattr(s, field) for s in report.stages) == getattr(report.total, field)
    assert tuple(s.name for s in report.stages) == STAGES
    assert all(layer.stage in STAGES for layer in report.layers)
    rows = {b.name: b for b in report.boundaries}
    enc = report.stage("encoder")
    assert rows["stem"].mult_adds + rows["encoder without stem"].mult_adds == enc.mult_adds
    assert rows["stem"].params + rows["encoder without stem"].params == enc.params


def test_spiralconv_decoder(dense: CostReport) -> None:
    spiral = profile_variant("densestack-spiralconv")
    assert (spiral.stage("decoder").mult_adds, spiral.stage("decoder").params) == (159_003_072, 979_272)
    assert spiral.stage("encoder") == dense.stage("encoder")


def test_uncounted_ops_listed_apart(dense: CostReport) -> None:
    ops = {op.name.split(" (")[0]: op.mult_adds for op in dense.uncounted}
    assert ops == {"pose pooling": 21_504, "PVL matmul": 263_424, "mesh upsampling": 523_776}
    assert "NOT in the total" in dense.format()


def test_bytes_per_layer(dense: CostReport) -> None:
    stem = dense.layers[0]
    assert stem.name == "encoder.pre_layer.0.0" and stem.stem and stem.op == "Conv2d 3x3 s2"
    assert stem.read_bytes == 3 * 128 * 128 * 4 and stem.written_bytes == 64 * 64 * 64 * 4
    assert stem.weight_bytes == stem.params * 4 == 64 * 27 * 4


def test_report_formats(dense: CostReport) -> None:
    d = json.loads(json.dumps(dense.to_dict()))
    assert d["total"]["mult_adds"] == 439_943_168 and set(d["stages"]) == set(STAGES)
    assert len(d["layers"]) == len(dense.layers)
    short, full = dense.format(), dense.format(layers=True)
    assert "439,943,168" in short and "encoder without stem" in short
    assert "encoder.thrink.0" in full and "encoder.thrink.0" not in short


def test_profile_leaves_model_alone() -> None:
    model = create_model("densestack", topology=Topology.synthetic()).train()
    hooks_before = sum(len(m._forward_hooks) for m in model.modules())
    profile_model(model)
    assert model.training and sum(len(m._forward_hooks) for m in model.modules()) == hooks_before


def test_profile_bare_module() -> None:
    report = profile_model(nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8)), input_size=16)
    assert report.total_mult_adds == 16 * 16 * 8 * 27 and report.total_params == 8 * 27 + 8
    assert report.uncounted == ()


def test_profile_unknown_variant() -> None:
    with pytest.raises(MobReconError, match="ghoststack"):
        profile_variant("ghostsatck")


# ------------------------------------------------------------------------------ traffic model
def test_traffic_reference_hand_count() -> None:
    n, c, o, s = 98, 256, 256, 9
    t = dsconv_traffic("reference", n, n, c, o, graph="eager")
    x1, xs = n * c * 4, s * n * c * 4
    assert t.written_bytes == xs + x1 + n * o * 4
    assert t.read_bytes == (xs + s * n * 8) + (xs + s * c * 4) + (x1 + c * o * 4)
    assert t.intermediate_bytes == xs + x1 and t.largest_intermediate_bytes == xs


def test_traffic_nine_fold_intermediate() -> None:
    n, c, o, s = 389, 128, 64, 9
    nine_fold = s * n * c * 4
    t = {form: dsconv_traffic(form, n, n, c, o) for form in TRAFFIC_FORMS}
    # reference writes the S-fold tensor twice in the exported graph (Gather, Transpose); rank4 once
    assert sum(op.written_bytes == nine_fold for op in t["reference"].ops) == 2
    assert sum(op.written_bytes == nine_fold for op in t["rank4"].ops) == 1
    # streamed and fused never write it; their largest intermediate is one [B, N, C] tensor
    for form in ("streamed", "fused"):
        assert all(op.written_bytes < nine_fold for op in t[form].ops)
        assert t[form].largest_intermediate_bytes == n * c * 4
    assert t["fused"].total_bytes < t["rank4"].total_bytes < t["reference"].total_bytes
    assert all(tr.total_bytes >= tr.compulsory_bytes for tr in t.values())


def test_traffic_batch_and_errors() -> None:
    one, two = dsconv_traffic("rank4", 98, 98, 256, 256), dsconv_traffic("rank4", 98, 98, 256, 256, batch=2)
    weights_and_index = 9 * 98 * 8 + (9 * 256 + 256 * 256) * 4
    assert two.read_bytes - weights_and_index == 2 * (one.read_bytes - weights_and_index)
    with pytest.raises(ValueError, match="form"):
        dsconv_traffic("fast", 1, 1, 1, 1)
    with pytest.raises(ValueError, match="positive"):
        dsconv_traffic("rank4", 0, 1, 1, 1)


def test_traffic_table() -> None:
    table = decoder_traffic()
    assert set(table) == set(TRAFFIC_FORMS) and all(len(rows) == len(DECODER_LAYERS) for rows in table.values())
    text = format_decoder_traffic()
    assert all(f"form {form}" in text for form in TRAFFIC_FORMS) and "decoder.head" in text


@pytest.mark.parametrize("form, out_chs", [("reference", 4), ("streamed", 4), ("rank4", 4), ("rows", 4), ("rows", 16)])
def test_traffic_ops_match_exported_graph(form: str, out_chs: int) -> None:
    """The modelled kernels are those of the ONNX export (Constant and Reshape nodes are free);
    on ``rows`` both the folded (4 outputs, like the xyz head) and the unfolded layer."""
    onnx = pytest.importorskip("onnx")
    spiral = torch.randint(0, 20, (20, 9))
    if form in ("rank4", "rows"):
        module = DSConv(8, out_chs, spiral).fuse(form).eval()
        x = torch.randn(1, 8, 1, 20) if form == "rank4" else torch.randn(1, 20, 8)
    else:
        module, x = DSConv(8, 4, spiral, form=form).eval(), torch.randn(1, 20, 8)
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (x,), buf, opset_version=17, dynamo=False)
    nodes = [n.op_type for n in onnx.load_from_string(buf.getvalue()).graph.node if n.op_type not in ("Constant", "Reshape")]
    ops = dsconv_traffic(form, 20, 20, 8, out_chs).ops
    assert len(nodes) == len(ops)
    assert all(node in op.name for node, op in zip(nodes, ops)), list(zip(nodes, [op.name for op in ops]))
