"""Errors of the processing stages."""

from proofstream.errors import ProofstreamError

__all__ = ["InvalidEvent", "SinkUnavailable"]


class InvalidEvent(ProofstreamError):
    """A message cannot become the next stage's event; its text is the dead-letter reason."""


class SinkUnavailable(ProofstreamError):
    """A sink (Redis) cannot be reached; the stage retries and never skips the message."""
