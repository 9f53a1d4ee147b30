"""User-facing errors of the toolchain.

Every error a user can cause (bad file, bad option, bad tensor) is raised as a subclass of
:class:`MobReconError` with a one-sentence message. The CLI prints that sentence and exits
non-zero; library callers can catch the class they care about.
"""

from __future__ import annotations

__all__ = [
    "MobReconError",
    "CheckpointError",
    "TopologyError",
    "InputError",
    "UnsafePickleError",
]


class MobReconError(Exception):
    """Base class: a problem with the user's input, described in one sentence."""


class CheckpointError(MobReconError):
    """A checkpoint file or state_dict cannot be loaded (not a checkpoint, truncated, unknown layout)."""


class TopologyError(MobReconError):
    """A mesh-topology source (HandMesh template folder or our .npz) is missing, corrupt or inconsistent."""


class UnsafePickleError(TopologyError):
    """A pickle asked for something other than the plain numpy/scipy data it is allowed to hold."""


class InputError(MobReconError, ValueError):
    """A tensor passed to the model has the wrong shape, dtype or device."""
