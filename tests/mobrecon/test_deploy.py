"""Deploy form and DSConv forms against the reference form (float64, <= 1e-9), and the traced
deploy graph's op set (no scatter, grid_sample, sparse or rank > 4 ops)."""

from __future__ import annotations

import pytest
import torch

from mobrecon import create_model, list_models, to_deploy
from mobrecon.decoder import UPSAMPLE_FORMS
from mobrecon.dsconv import DEPLOY_LAYOUTS, DSCONV_FORMS, DSConv
from mobrecon.spiralconv import SpiralConv
from tests.conftest import GOLDEN_FILES, load_golden

F64_MAX = 1e-9


def _randomise_bn(model: torch.nn.Module, seed: int) -> None:
    """Give every BatchNorm non-trivial statistics so that folding is really exercised."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                n = m.num_features
                m.weight.copy_(torch.rand(n, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(n, generator=gen) * 0.1)
                m.running_mean.copy_(torch.randn(n, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(n, generator=gen) + 0.5)


@pytest.fixture(scope="module", params=list_models())
def random_model(request, synthetic_topology):
    torch.manual_seed(0)
    model = create_model(request.param, topology=synthetic_topology).eval()
    _randomise_bn(model, 1)
    return model.double()


DEPLOY_FORMS = [(u, lay) for lay in DEPLOY_LAYOUTS for u in UPSAMPLE_FORMS]


@pytest.mark.parametrize("upsample_form, layout", DEPLOY_FORMS)
def test_deploy_equals_reference_on_random_input(random_model, upsample_form, layout):
    x = torch.rand(2, 3, 128, 128, generator=torch.Generator().manual_seed(2), dtype=torch.float64) * 2 - 1
    deployed = to_deploy(random_model, upsample_form, layout)
    with torch.no_grad():
        want, got = random_model(x), deployed(x)
    for key in ("verts", "uv"):
        assert (got[key] - want[key]).abs().max().item() <= F64_MAX * max(1.0, want[key].abs().max().item())


def test_deploy_leaves_original_untouched(random_model):
    before = {k: v.clone() for k, v in random_model.state_dict().items()}
    to_deploy(random_model)
    after = random_model.state_dict()
    assert before.keys() == after.keys()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in random_model.modules())


@pytest.mark.slow
@pytest.mark.parametrize("layout", sorted(GOLDEN_FILES))
@pytest.mark.parametrize("upsample_form, deploy_layout", DEPLOY_FORMS)
def test_deploy_equals_golden_float64(layout, upsample_form, deploy_layout, handmesh_topology):
    from mobrecon import load_checkpoint

    data = load_golden(layout)
    _, vkey, ukey = GOLDEN_FILES[layout]
    deployed = to_deploy(load_checkpoint(data["state_dict"], topology=handmesh_topology).double(), upsample_form, deploy_layout)
    with torch.no_grad():
        out = deployed(data["input"][:2].double())
    assert (out["verts"] - data["outputs_float64"][vkey][:2]).abs().max().item() <= F64_MAX
    assert (out["uv"] - data["outputs_float64"][ukey][:2]).abs().max().item() <= F64_MAX


@pytest.mark.parametrize("form", DSCONV_FORMS + DEPLOY_LAYOUTS)
def test_dsconv_forms_agree(form, synthetic_topology):
    gen = torch.Generator().manual_seed(3)
    spiral = torch.from_numpy(synthetic_topology.spirals[1])
    n_in = synthetic_topology.num_verts[1]
    ref = DSConv(16, 8, spiral, form="reference").double()
    torch.nn.init.normal_(ref.spatial_layer.weight, generator=gen)
    x = torch.randn(3, n_in, 16, generator=gen, dtype=torch.float64)
    with torch.no_grad():
        want = ref(x)
        if form == "rank4":
            got = ref.fuse("rank4")(x.transpose(1, 2)[:, :, None, :]).flatten(2).transpose(1, 2)
        elif form == "rows":
            got = ref.fuse("rows")(x)
        else:
            alt = DSConv(16, 8, spiral, form=form).double()
            alt.load_state_dict(ref.state_dict())
            got = alt(x)
    assert (got - want).abs().max().item() <= F64_MAX


def test_spiralconv_deploy_forms_agree(synthetic_topology):
    gen = torch.Generator().manual_seed(4)
    spiral = torch.from_numpy(synthetic_topology.spirals[0])
    ref = SpiralConv(8, 5, spiral).double()
    x = torch.randn(2, synthetic_topology.num_verts[0], 8, generator=gen, dtype=torch.float64)
    with torch.no_grad():
        rank4 = ref.fuse("rank4")(x.transpose(1, 2)[:, :, None, :]).flatten(2).transpose(1, 2)
        assert (rank4 - ref(x)).abs().max().item() <= F64_MAX
        assert (ref.fuse("rows")(x) - ref(x)).abs().max().item() <= F64_MAX


FORBIDDEN_OPS = ("scatter", "grid_sampler", "sparse", "pixel_unshuffle", "pixel_shuffle", "_to_copy", "aten.abs", "aten.neg")


@pytest.mark.parametrize("upsample_form, layout", DEPLOY_FORMS)
def test_deploy_graph_has_no_mobile_hostile_ops(random_model, upsample_form, layout):
    deployed = to_deploy(random_model.float(), upsample_form, layout)
    random_model.double()
    program = torch.export.export(deployed, (torch.zeros(1, 3, 128, 128),))
    ops, max_rank = set(), 0
    for node in program.graph.nodes:
        if node.op == "call_function":
            ops.add(str(node.target))
        val = node.meta.get("val")
        if isinstance(val, torch.Tensor):
            max_rank = max(max_rank, val.dim())
    bad = sorted(op for op in ops if any(f in op for f in FORBIDDEN_OPS))
    assert not bad, f"deploy graph contains {bad}"
    assert max_rank <= 4, f"deploy graph has a rank-{max_rank} tensor"
    assert not any(node.op == "call_function" and "sym_size" in str(node.target) for node in program.graph.nodes)


def test_reference_graph_is_caught_by_the_same_check(synthetic_topology):
    """The check above can fail: the reference form does contain scatter and grid_sample."""
    torch.manual_seed(0)
    model = create_model("densestack", topology=synthetic_topology).eval()
    program = torch.export.export(model, (torch.zeros(1, 3, 128, 128),))
    ops = {str(n.target) for n in program.graph.nodes if n.op == "call_function"}
    assert any("scatter" in op for op in ops) and any("grid_sampler" in op for op in ops)


def test_buffers_follow_dtype(synthetic_topology):
    model = create_model("densestack", topology=synthetic_topology)
    model.half()
    assert model.decoder.upsample[0].value.dtype == torch.float16
    assert model.decoder.upsample[0].row.dtype == torch.int64
    model.double()
    assert model.decoder.upsample[0].value.dtype == torch.float64


def test_unknown_deploy_form_is_refused(random_model):
    with pytest.raises(ValueError, match="deploy form"):
        to_deploy(random_model, "sparse", "rows")
