"""Errors the gateway answers with a status code (see the map in `gateway.app`).

GatewayError
├── InvalidSignature   401
├── BadRequest         400
├── NotFound           404
├── PayloadTooLarge    413
└── BrokerUnavailable  503
"""

from proofstream.errors import ProofstreamError

__all__ = [
    "BadRequest",
    "BrokerUnavailable",
    "GatewayError",
    "InvalidSignature",
    "NotFound",
    "PayloadTooLarge",
]


class GatewayError(ProofstreamError):
    """A request the gateway refuses; the message is safe to show the client."""

    status_code = 500


class InvalidSignature(GatewayError):
    """The webhook's HMAC header is missing or does not match the raw body."""

    status_code = 401


class BadRequest(GatewayError):
    """A required header is missing or the body is not a JSON object."""

    status_code = 400


class NotFound(GatewayError):
    """The path names no shop or resource we serve."""

    status_code = 404


class PayloadTooLarge(GatewayError):
    """The body exceeds PROOFSTREAM_WEBHOOK_MAX_BYTES."""

    status_code = 413


class BrokerUnavailable(GatewayError):
    """Kafka did not acknowledge the envelope; Shopify will retry the delivery."""

    status_code = 503
