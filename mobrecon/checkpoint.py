"""Load official HandMesh MobRecon checkpoints (every published layout) and our own.

Usage::

    from mobrecon import Topology, load_checkpoint
    model = load_checkpoint("mobrecon_densestack.pt", topology=Topology.from_handmesh("template"))
    model.checkpoint_info          # detected layout, file hash, dropped keys, what was done

Accepted: a bare state_dict; a training dict holding ``model_state_dict`` (or ``state_dict``);
a ``module.`` (DataParallel) prefix; either name of the 24->21 conv (``backbone.conv`` /
``backbone.reduce``); the unused stack-1 keys (dropped, and reported); our own key names.
Files are read with ``torch.load(weights_only=True)``: nothing but tensors and plain
containers is ever unpickled.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

import torch

from mobrecon.errors import CheckpointError
from mobrecon.model import (
    VARIANTS,
    CheckpointInfo,
    MobRecon,
    UNUSED_REFERENCE_PREFIXES,
)
from mobrecon.registry import create_model, list_models
from mobrecon.topology import Topology

__all__ = ["load_checkpoint", "read_state_dict", "detect_layout", "LAYOUTS", "Layout"]


@dataclass(frozen=True)
class Layout:
    """A checkpoint layout: the variant it builds and the key filter that maps it to our names."""

    name: str
    variant: str
    filter_fn: Callable[[dict[str, torch.Tensor]], dict[str, torch.Tensor]]


def _identity(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return dict(state_dict)


def _layouts() -> tuple[Layout, ...]:
    published = tuple(Layout(name, name, filter_fn) for name, (_, _, filter_fn) in VARIANTS.items())
    native = tuple(Layout(f"{name} (mobrecon key names)", name, _identity) for name in list_models())
    return published + native


LAYOUTS: tuple[Layout, ...] = ()  # filled lazily by _all_layouts (variants register on import)


def _all_layouts() -> tuple[Layout, ...]:
    global LAYOUTS
    if not LAYOUTS:
        LAYOUTS = _layouts()
    return LAYOUTS


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_state_dict(source: str | os.PathLike | Mapping[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], str, str | None, list[str]]:
    """Read and unwrap a checkpoint into a flat ``{key: tensor}`` dict.

    Returns:
        (state_dict, source description, file sha256 or None, notes on what was unwrapped).

    Raises:
        CheckpointError: not a file, not a checkpoint, truncated, unsafe, or holds no tensors.
    """
    notes: list[str] = []
    sha = None
    if isinstance(source, Mapping):
        obj: object = source
        where = "<state_dict>"
    else:
        path = Path(source)
        where = str(path)
        if not path.is_file():
            raise CheckpointError(f"checkpoint {path} does not exist or is not a file")
        sha = _file_sha256(path)
        with path.open("rb") as fh:
            magic = fh.read(2)
        if not magic.startswith((b"PK", b"\x80")):  # a zip archive (torch.save) or a pickle (legacy torch.save)
            raise CheckpointError(f"{path} is not a PyTorch checkpoint (neither a torch.save zip archive nor a legacy "
                                  "torch.save pickle)")  # fmt: skip
        try:
            obj = torch.load(path, map_location="cpu", weights_only=True)
        except pickle.UnpicklingError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise CheckpointError(f"{path} is not a plain-weights checkpoint: loading it would need to unpickle code objects, which is refused ({first[:160]})") from None
        except (RuntimeError, EOFError, zipfile.BadZipFile, ValueError, OSError, IndexError, KeyError, AttributeError, TypeError) as exc:
            msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            kind = "truncated or corrupt" if isinstance(exc, (EOFError, zipfile.BadZipFile)) or "central directory" in msg or "failed finding" in msg else "not a PyTorch checkpoint"
            raise CheckpointError(f"{path} is {kind} and cannot be read ({msg[:160]})") from None
    if isinstance(obj, Mapping):
        for wrapper in ("model_state_dict", "state_dict"):
            inner = obj.get(wrapper)
            if isinstance(inner, Mapping):
                obj = inner
                notes.append(f"unwrapped '{wrapper}' from a training checkpoint")
                break
    if not isinstance(obj, Mapping) or not obj:
        raise CheckpointError(f"{where} holds no state_dict (found {type(obj).__name__}); expected a dict of tensors")
    bad = [k for k, v in obj.items() if not isinstance(k, str) or not isinstance(v, torch.Tensor)]
    if bad:
        raise CheckpointError(f"{where} is not a state_dict: entry {bad[0]!r} is not a named tensor")
    state = dict(obj)
    if all(k.startswith("module.") for k in state):
        state = {k[len("module."):]: v for k, v in state.items()}
        notes.append("stripped the 'module.' (DataParallel) prefix")
    return state, where, sha, notes


def _expected(variant: str, topology: Topology) -> dict[str, torch.Size]:
    with torch.device("meta"):
        model = create_model(variant, topology=topology)
    return {k: v.shape for k, v in model.state_dict().items()}


def detect_layout(state_dict: Mapping[str, torch.Tensor], topology: Topology) -> tuple[Layout, dict[str, torch.Tensor]]:
    """Find the layout whose filtered keys equal a variant's keys exactly.

    Returns:
        (layout, state_dict in our key names).

    Raises:
        CheckpointError: no exact match; names the closest layout and its first missing and
            unexpected keys, or the first shape mismatch (a checkpoint/topology mismatch).
    """
    best: tuple[float, Layout, set[str], set[str]] | None = None
    for layout in _all_layouts():
        mapped = layout.filter_fn(dict(state_dict))
        expected = _expected(layout.variant, topology)
        missing, unexpected = set(expected) - set(mapped), set(mapped) - set(expected)
        if not missing and not unexpected:
            for key, shape in expected.items():
                if mapped[key].shape != shape:
                    raise CheckpointError(
                        f"checkpoint and topology do not match: {key} has shape {list(mapped[key].shape)} in the "
                        f"{layout.name} checkpoint but the model built for this topology ({topology.describe()}) expects {list(shape)}"
                    )
            return layout, mapped
        shared = len(set(expected) & set(mapped))
        score = shared / max(len(set(expected) | set(mapped)), 1)
        if best is None or score > best[0]:
            best = (score, layout, missing, unexpected, f"{shared} of {len(expected)} expected keys present")
    if best is None:
        raise CheckpointError("no checkpoint layouts are registered")
    _, layout, missing, unexpected, shared_note = best

    def first(keys: set[str]) -> str:
        return ", ".join(sorted(keys)[:3]) + (f" (+{len(keys) - 3} more)" if len(keys) > 3 else "") if keys else "none"

    raise CheckpointError(
        f"unknown checkpoint layout: closest is {layout.name!r} ({shared_note}); "
        f"missing: {first(missing)}; unexpected: {first(unexpected)}"
    )


def load_checkpoint(
    source: str | os.PathLike | Mapping[str, torch.Tensor],
    topology: Topology | None = None,
    dsconv_form: str = "reference",
) -> MobRecon:
    """Load a checkpoint of any published layout into an eval-mode :class:`MobRecon`.

    Args:
        source: path to a ``.pt``/``.pth`` file, or a state_dict already in memory.
        topology: mesh topology the checkpoint was trained with; ``Topology.from_handmesh`` for
            official weights. Defaults to :meth:`Topology.synthetic` (runs, but a real
            checkpoint then gives meaningless meshes: the spirals differ).
        dsconv_form: DSConv form of the decoder (``reference`` or ``streamed``).

    Returns:
        The model in eval mode, float32, with ``checkpoint_info`` set. Forward on [B, 3, 128, 128]
        returns ``verts`` [B, 778, 3] (units of 0.2 m) and ``uv`` [B, 21, 2] (units of 128 px).

    Raises:
        CheckpointError: unreadable file, unsafe pickle, unknown layout, or topology mismatch.
    """
    topology = topology if topology is not None else Topology.synthetic()
    state, where, sha, notes = read_state_dict(source)
    dropped = tuple(sorted(k for k in state if k.startswith(UNUSED_REFERENCE_PREFIXES)))
    layout, mapped = detect_layout(state, topology)
    if dropped:
        notes.append(f"dropped {len(dropped)} keys of stack-1 modules the forward never uses (senet3, dense4, dense5)")
    model = create_model(layout.variant, topology=topology, dsconv_form=dsconv_form)
    mapped = {k: v.to(torch.float32) if v.is_floating_point() else v for k, v in mapped.items()}
    model.load_state_dict(mapped, strict=True)
    model.checkpoint_info = CheckpointInfo(layout.name, where, sha, dropped, tuple(notes))
    return model.eval()
