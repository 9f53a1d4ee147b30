"""Bad checkpoints and bad inputs: one clear sentence each, never a traceback from inside torch."""

from __future__ import annotations

import io
import os

import pytest
import torch

from mobrecon import CheckpointError, InputError, create_model, load_checkpoint


@pytest.fixture(scope="module")
def small_state_dict(synthetic_topology):
    torch.manual_seed(0)
    return create_model("densestack", topology=synthetic_topology).state_dict()


def test_missing_file(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "nope.pt")


def test_text_file_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "notes.pt"
    path.write_text("this is not a checkpoint\n")
    with pytest.raises(CheckpointError, match="not a PyTorch checkpoint|truncated or corrupt"):
        load_checkpoint(path)


def test_truncated_file(tmp_path, small_state_dict):
    buf = io.BytesIO()
    torch.save(small_state_dict, buf)
    path = tmp_path / "truncated.pt"
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(CheckpointError, match="truncated or corrupt") as exc:
        load_checkpoint(path)
    assert "\n" not in str(exc.value)


class _Exploit:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_pickle_that_runs_code_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    torch.save({"state_dict": _Exploit(str(marker))}, path)
    with pytest.raises(CheckpointError, match="refused"):
        load_checkpoint(path)
    assert not marker.exists()


def test_not_a_state_dict(tmp_path):
    path = tmp_path / "list.pt"
    torch.save([torch.zeros(3)], path)
    with pytest.raises(CheckpointError, match="holds no state_dict"):
        load_checkpoint(path)


def test_unknown_layout_names_closest_and_keys(small_state_dict, synthetic_topology):
    sd = dict(small_state_dict)
    sd.pop("decoder.head.channel_layer.weight")
    sd["decoder.head.extra.weight"] = torch.zeros(3)
    with pytest.raises(CheckpointError) as exc:
        load_checkpoint(sd, topology=synthetic_topology)
    msg = str(exc.value)
    assert "closest is 'densestack" in msg and "651 of 652 expected keys present" in msg
    assert "missing: decoder.head.channel_layer.weight" in msg
    assert "unexpected: decoder.head.extra.weight" in msg


def test_topology_mismatch_is_reported(small_state_dict, synthetic_topology):
    sd = dict(small_state_dict)
    sd["lifting.pvl"] = torch.zeros(50, 21)
    with pytest.raises(CheckpointError, match="checkpoint and topology do not match: lifting.pvl"):
        load_checkpoint(sd, topology=synthetic_topology)


@pytest.fixture(scope="module")
def model(small_state_dict, synthetic_topology):
    return load_checkpoint(small_state_dict, topology=synthetic_topology)


@pytest.mark.parametrize(
    "bad, pattern",
    [
        (torch.zeros(1, 3, 64, 64), r"shape \[B, 3, 128, 128\].*got \[1, 3, 64, 64\]"),
        (torch.zeros(3, 128, 128), r"got \[3, 128, 128\]"),
        (torch.zeros(1, 128, 128, 3), r"RGB, NCHW"),
        (torch.zeros(1, 3, 128, 128, dtype=torch.float64), r"dtype torch.float32"),
        (torch.zeros(1, 3, 128, 128, dtype=torch.uint8), r"dtype torch.float32"),
        ([[0.0]], r"expected a torch.Tensor"),
    ],
)
def test_bad_forward_input(model, bad, pattern):
    with pytest.raises(InputError, match=pattern):
        model(bad)
