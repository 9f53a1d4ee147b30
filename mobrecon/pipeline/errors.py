"""Errors of the photo-to-mesh pipeline, each a one-sentence :class:`mobrecon.errors.MobReconError`."""

from __future__ import annotations

from mobrecon.errors import MobReconError

__all__ = ["PipelineError", "ImageReadError", "NoHandFound", "HandDetectorUnavailable", "ArtifactMismatch", "BadBox"]


class PipelineError(MobReconError):
    """A problem with the pipeline's inputs."""


class ImageReadError(PipelineError):
    """The image file cannot be read as an image."""


class NoHandFound(PipelineError):
    """Hand detection ran and found no hand."""


class HandDetectorUnavailable(PipelineError):
    """The MediaPipe models or LiteRT cannot be had here."""


class ArtifactMismatch(PipelineError):
    """An exported model and the topology (template) given with it disagree."""


class BadBox(PipelineError):
    """A hand box given by the user is malformed or outside the image."""
