"""The root of every error proofstream raises on purpose.

ProofstreamError
├── gateway.errors.GatewayError       (answered to HTTP clients with a status code)
├── stages.errors.InvalidEvent        (sent to the dead-letter topic with its reason)
├── agents.errors.SinkUnavailable     (a sink is away: the agent retries, never skips)
├── storage.errors.StorageError
└── proofstream.errors.ServiceError   (a local service could not be started or reached)
"""

__all__ = ["ProofstreamError", "ServiceError"]


class ProofstreamError(Exception):
    """Base of all proofstream errors."""


class ServiceError(ProofstreamError):
    """A local service (broker, Redis, worker, gateway) could not be started or reached."""
