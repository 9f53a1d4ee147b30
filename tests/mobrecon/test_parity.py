"""Parity of the compact model with the HandMesh reference, on the shared golden files.

Bounds (see ../shared/reference/README.md): float64 max abs <= 1e-9 against ``outputs_float64``;
float32 max abs <= 2e-3 and median abs <= 1e-4 against ``outputs``.
"""

from __future__ import annotations

import pytest
import torch

from mobrecon import load_checkpoint
from tests.conftest import GOLDEN_FILES, load_golden

F64_MAX = 1e-9
F32_MAX, F32_MEDIAN = 2e-3, 1e-4

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=sorted(GOLDEN_FILES))
def golden(request, handmesh_topology):
    layout = request.param
    data = load_golden(layout)
    model = load_checkpoint(data["state_dict"], topology=handmesh_topology)
    _, vkey, ukey = GOLDEN_FILES[layout]
    return layout, data, model, vkey, ukey


@pytest.fixture(scope="module")
def float64_run(golden):
    """(float64 model copy, its batch-4 outputs on the golden input), computed once."""
    import copy

    _, data, model, _, _ = golden
    m64 = copy.deepcopy(model).double()
    with torch.no_grad():
        return m64, m64(data["input"].double())


def test_layout_detected(golden):
    layout, _, model, _, _ = golden
    assert model.checkpoint_info.layout == layout
    assert len(model.checkpoint_info.dropped_keys) == 60  # stack-1 senet3/dense4/dense5


def test_float64_matches_reference(golden, float64_run):
    _, data, _, vkey, ukey = golden
    _, out = float64_run
    assert (out["verts"] - data["outputs_float64"][vkey]).abs().max().item() <= F64_MAX
    assert (out["uv"] - data["outputs_float64"][ukey]).abs().max().item() <= F64_MAX


def test_float32_matches_reference(golden):
    _, data, model, vkey, ukey = golden
    with torch.no_grad():
        out = model(data["input"])
    for got, want in ((out["verts"], data["outputs"][vkey]), (out["uv"], data["outputs"][ukey])):
        err = (got - want).abs()
        assert err.max().item() <= F32_MAX
        assert err.median().item() <= F32_MEDIAN


def test_batch_1_and_4_agree(golden, float64_run):
    _, data, _, _, _ = golden
    m64, batched = float64_run
    x = data["input"].double()
    with torch.no_grad():
        single = [m64(x[i : i + 1]) for i in range(x.shape[0])]
    for key in ("verts", "uv"):
        alone = torch.cat([s[key] for s in single])
        assert (alone - batched[key]).abs().max().item() <= F64_MAX


def test_each_stage_matches_reference_intermediates(golden):
    """Each stage, fed the reference's own (float32) input to that stage, gives its next intermediate.

    Localises a divergence to one stage. The encoder is compared with the float32 bounds (its
    input is the image); the later stages start from the reference's tensors, so they are tight.
    """
    _, data, model, _, _ = golden
    inter = data["intermediates"]
    maps_ref, latent_ref = inter["backbone.dense_stack2[0]"], inter["backbone.latent"]
    uv_ref = inter["backbone.uv_reg (= joint uv)"]
    lifted_ref = inter["decoder3d.pvl_out (input of de_layer.0)"]
    with torch.no_grad():
        maps, latent = model.forward_encoder(data["input"])
        uv = model.forward_head2d(maps_ref)
        lifted = model.forward_lifting(latent_ref, uv_ref)
        verts = model.forward_decoder(lifted_ref)
    assert (maps - maps_ref).abs().max().item() <= F32_MAX
    assert (latent - latent_ref).abs().max().item() <= F32_MAX
    assert (uv - uv_ref).abs().max().item() <= 1e-5
    assert (lifted - lifted_ref).abs().max().item() <= 1e-5
    assert (verts - inter["decoder3d.head"]).abs().max().item() <= 1e-4


def _rename(sd: dict, old: str, new: str) -> dict:
    return {(new + k[len(old):] if k.startswith(old) else k): v for k, v in sd.items()}


@pytest.fixture(scope="module")
def densestack_golden():
    return load_golden("densestack")


def test_dsconv_2022_layout_with_identity_latent_conv(densestack_golden, handmesh_topology):
    """The 2022 layout with ``de_layer_conv`` = identity must equal the densestack reference."""
    data = densestack_golden
    sd = dict(data["state_dict"])
    sd["decoder3d.de_layer_conv.0.weight"] = torch.eye(256)[:, :, None, None]
    model = load_checkpoint(sd, topology=handmesh_topology).double()
    assert model.checkpoint_info.layout == "densestack-dsconv-2022"
    with torch.no_grad():
        out = model(data["input"][:2].double())
    assert (out["verts"] - data["outputs_float64"]["verts"][:2]).abs().max().item() <= F64_MAX


def test_dsconv_2022_latent_conv_is_applied_before_pose_pooling(densestack_golden, handmesh_topology):
    """A random ``de_layer_conv`` W must act as lifting(W @ latent) with the densestack weights."""
    data = densestack_golden
    gen = torch.Generator().manual_seed(1)
    weight = torch.randn(256, 256, generator=gen, dtype=torch.float64) / 16
    sd = dict(data["state_dict"])
    sd["decoder3d.de_layer_conv.0.weight"] = weight.float()[:, :, None, None]
    m2022 = load_checkpoint(sd, topology=handmesh_topology).double()
    base = load_checkpoint(data["state_dict"], topology=handmesh_topology).double()
    x = data["input"][:2].double()
    with torch.no_grad():
        maps, latent = base.forward_encoder(x)
        uv = base.forward_head2d(maps)
        mixed = torch.einsum("oc,bchw->bohw", weight.float().double(), latent)
        want = base.forward_decoder(base.forward_lifting(mixed, uv))
        got = m2022(x)["verts"]
    assert (got - want).abs().max().item() <= F64_MAX
    assert (got - data["outputs_float64"]["verts"][:2]).abs().max().item() > 1e-3  # the conv matters


@pytest.mark.parametrize(
    "wrap",
    [
        pytest.param(lambda sd: _rename(sd, "backbone.reduce.", "backbone.conv."), id="legacy-conv-name"),
        pytest.param(lambda sd: {"module." + k: v for k, v in sd.items()}, id="dataparallel-prefix"),
        pytest.param(lambda sd: {"epoch": torch.tensor(3), "model_state_dict": sd}, id="training-dict"),
        pytest.param(lambda sd: {k: v for k, v in sd.items() if ".dense_stack1.dense4." not in k and ".dense_stack1.dense5." not in k and ".dense_stack1.senet3." not in k}, id="without-unused-keys"),
    ],
)
def test_checkpoint_variants_load_identically(wrap, densestack_golden, handmesh_topology):
    data = densestack_golden
    model = load_checkpoint(wrap(dict(data["state_dict"])), topology=handmesh_topology)
    assert model.checkpoint_info.layout == "densestack"
    with torch.no_grad():
        out = model(data["input"])
    assert (out["verts"] - data["outputs"]["verts"]).abs().max().item() <= F32_MAX


def test_checkpoint_file_roundtrip_records_sha256(densestack_golden, handmesh_topology, tmp_path):
    path = tmp_path / "ckpt.pt"
    torch.save({"epoch": 1, "model_state_dict": densestack_golden["state_dict"]}, path)
    model = load_checkpoint(path, topology=handmesh_topology)
    import hashlib

    assert model.checkpoint_info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert any("model_state_dict" in n for n in model.checkpoint_info.notes)


@pytest.mark.parametrize("dsconv_form", ["streamed"])
def test_other_dsconv_forms_match_golden_float64(dsconv_form, densestack_golden, handmesh_topology):
    """Each reference-layout DSConv form reproduces the golden float64 outputs (deploy forms: test_deploy)."""
    data = densestack_golden
    model = load_checkpoint(data["state_dict"], topology=handmesh_topology, dsconv_form=dsconv_form).double()
    with torch.no_grad():
        out = model(data["input"][:2].double())
    assert (out["verts"] - data["outputs_float64"]["verts"][:2]).abs().max().item() <= F64_MAX
