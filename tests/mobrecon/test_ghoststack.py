"""GhostStack: registration and model card, shapes, cost bands, deploy parity, checkpoint round trip.

GhostStack has no reference code and no weights (see mobrecon/ghoststack.py), so there is no
golden output to compare with: the tests check the design's cost targets (PAPER.md section 6),
that the deploy form equals the reference form, and that its weights survive a save/load.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

import mobrecon
from mobrecon import Topology, create_model, get_model_card, list_models, to_deploy
from mobrecon.deploy import deploy_ghoststack_encoder
from mobrecon.blocks import GhostModule, Reorg
from mobrecon.ghoststack import GhostStackCfg, GhostStackEncoder
from mobrecon.profile import profile_variant

#: Paper targets (arXiv 2112.02753: section 3.1 encoder, Table 4 whole DSConv model) and band.
TARGETS = {"encoder_mult_adds": 96.2e6, "encoder_params": 5.0e6, "total_mult_adds": 123.5e6, "total_params": 5.3e6}
BAND = 0.05
#: Exact counts of the PAPER.md section 6.3 proposal (regression guard on the architecture).
PROPOSAL = {"encoder": (97_533_056, 4_829_960), "encoder without stem": (95_763_584, 4_829_528), "total": (122_181_632, 5_249_989)}


@pytest.fixture(scope="module")
def topology() -> Topology:
    return Topology.synthetic()


@pytest.fixture(scope="module")
def report():
    return profile_variant("ghoststack")


def _randomise(model: nn.Module, seed: int = 0) -> nn.Module:
    """Random weights and non-trivial BatchNorm statistics and affine parameters (else folding is untested)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.running_mean.copy_(torch.rand(m.num_features, generator=gen, dtype=torch.float64) - 0.5)
                m.running_var.copy_(torch.rand(m.num_features, generator=gen, dtype=torch.float64) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=gen, dtype=torch.float64) + 0.5)
                m.bias.copy_(torch.rand(m.num_features, generator=gen, dtype=torch.float64) - 0.5)
    return model


def test_registered_untrained() -> None:
    assert "ghoststack" in list_models()
    card = get_model_card("ghoststack")
    assert card.weights == "untrained" and card.tag == "ghoststack.untrained"
    assert card.checkpoint_url is None and card.checkpoint_file is None and card.checkpoint_sha256 is None
    assert card.input_size == 128


def test_module_docstring_says_not_in_reference() -> None:
    doc = mobrecon.ghoststack.__doc__
    assert "2112.02753" in doc and "no GhostStack" in doc and "no GhostStack weights" in doc


def test_shapes(topology: Topology) -> None:
    torch.manual_seed(0)
    model = create_model("ghoststack", topology=topology).eval()
    x = torch.randn(2, 3, 128, 128)
    with torch.no_grad():
        maps, latent = model.forward_encoder(x)
        out = model(x)
    assert maps.shape == (2, 24, 16, 16) and latent.shape == (2, 256, 4, 4)
    assert out["verts"].shape == (2, 778, 3) and out["uv"].shape == (2, 21, 2)


@pytest.mark.parametrize("out_chs", [7, 8])
def test_ghost_module_slice_and_fuse(out_chs: int) -> None:
    torch.manual_seed(0)
    m = _randomise(GhostModule(5, out_chs)).double().eval()
    assert m.primary_conv[0].out_channels == 4 and m.cheap_operation[0].groups == 4
    x = torch.randn(2, 5, 6, 6, dtype=torch.float64)
    y = m(x)
    assert y.shape == (2, out_chs, 6, 6)
    fused = m.fuse()
    assert not any(isinstance(c, nn.BatchNorm2d) for c in fused.modules())
    assert torch.allclose(fused(x), y, rtol=0, atol=1e-12)


def test_cost_bands(report) -> None:
    got = {
        "encoder_mult_adds": report.stage("encoder").mult_adds,
        "encoder_params": report.stage("encoder").params,
        "total_mult_adds": report.total_mult_adds,
        "total_params": report.total_params,
    }
    for key, target in TARGETS.items():
        assert abs(got[key] / target - 1) <= BAND, f"{key}: {got[key]:,} vs {target:,.0f}"
    without_stem = next(b for b in report.boundaries if b.name == "encoder without stem")
    assert abs(without_stem.mult_adds / TARGETS["encoder_mult_adds"] - 1) <= BAND
    assert abs(without_stem.params / TARGETS["encoder_params"] - 1) <= BAND


def test_cost_matches_proposal(report) -> None:
    rows = {s.name: s for s in report.stages + report.boundaries + (report.total,)}
    for name, (mult_adds, params) in PROPOSAL.items():
        assert (rows[name].mult_adds, rows[name].params) == (mult_adds, params), name
    # head, lifting and decoder are DenseStack's, unchanged
    dense = profile_variant("densestack")
    for stage in ("head2d", "lifting", "decoder"):
        assert report.stage(stage) == dense.stage(stage)


def test_deploy_matches_reference_float64(topology: Topology) -> None:
    torch.manual_seed(1)
    model = _randomise(create_model("ghoststack", topology=topology)).double().eval()
    deployed = to_deploy(model)
    x = torch.rand(3, 3, 128, 128, dtype=torch.float64) * 2 - 1
    with torch.no_grad():
        ref, dep = model(x), deployed(x)
        ref_enc, dep_enc = model.forward_encoder(x), deployed.encoder(x)
    # verts are small at init (PVL = 0.01), so the encoder outputs (order 1) are compared too
    for name, a, b in (("verts", ref["verts"], dep["verts"]), ("uv", ref["uv"], dep["uv"]),
                       ("maps", ref_enc[0], dep_enc[0]), ("latent", ref_enc[1], dep_enc[1])):
        assert a.abs().max() > 1e-6, f"{name} must be non-trivial for the comparison to mean anything"
        assert (a - b).abs().max().item() <= 1e-9, name
    assert not any(isinstance(m, (nn.modules.batchnorm._BatchNorm, Reorg)) for m in deployed.modules())
    thrink = deployed.encoder.thrink.primary_conv[0]
    assert thrink.kernel_size == (2, 2) and thrink.stride == (2, 2) and thrink.in_channels == 16
    assert any(isinstance(m, nn.BatchNorm2d) for m in model.modules()), "the source model must be untouched"


def test_encoder_fuse_leaves_original(topology: Topology) -> None:
    enc = GhostStackEncoder(GhostStackCfg())
    before = {k: v.clone() for k, v in enc.state_dict().items()}
    deploy_ghoststack_encoder(enc)
    assert all(torch.equal(before[k], v) for k, v in enc.state_dict().items())
    assert isinstance(enc.reorg, Reorg)


def test_state_dict_round_trip(topology: Topology) -> None:
    torch.manual_seed(2)
    model = _randomise(create_model("ghoststack", topology=topology)).eval()
    loaded = mobrecon.load_checkpoint(model.state_dict(), topology=topology)
    assert loaded.checkpoint_info.layout.startswith("ghoststack")
    assert loaded.card.name == "ghoststack"
    x = torch.rand(1, 3, 128, 128) * 2 - 1
    with torch.no_grad():
        a, b = model(x), loaded(x)
    assert torch.equal(a["verts"], b["verts"]) and torch.equal(a["uv"], b["uv"])
