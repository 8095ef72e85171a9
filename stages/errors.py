"""Errors of the pure stages."""

from proofstream.errors import ProofstreamError

__all__ = ["InvalidEvent"]


class InvalidEvent(ProofstreamError):
    """A message cannot become the next stage's event; its text is the dead-letter reason."""
