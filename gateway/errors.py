"""Errors the gateway answers with a status code, and `refused`, the handler that answers
them (registered in `gateway.app`, and inside the storefront routes' CORS middleware).

GatewayError
├── InvalidSignature   401
├── Unauthorized       401
├── BadRequest         400
├── NotFound           404
├── Gone               410
├── RequestTimeout     408  (a body that arrives too slowly)
├── PayloadTooLarge    413
├── TooManyRequests    429  (with Retry-After)
├── InvalidInput       422  (with the message of each invalid field)
├── BrokerUnavailable  503
└── StoreUnavailable   503  (Redis or the database; with Retry-After)
"""

import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from proofstream.errors import ProofstreamError

__all__ = [
    "BadRequest",
    "BrokerUnavailable",
    "GatewayError",
    "Gone",
    "InvalidInput",
    "InvalidSignature",
    "NotFound",
    "PayloadTooLarge",
    "RequestTimeout",
    "TooManyRequests",
    "StoreUnavailable",
    "Unauthorized",
    "refused",
]

log = structlog.get_logger("proofstream.gateway")


class GatewayError(ProofstreamError):
    """A request the gateway refuses; the message is safe to show the client."""

    status_code = 500
    headers: dict[str, str] | None = None

    def body(self) -> dict[str, object]:
        """The JSON the client receives."""
        return {"error": str(self)}


class InvalidSignature(GatewayError):
    """The webhook's HMAC header is missing or does not match the raw body."""

    status_code = 401


class Unauthorized(GatewayError):
    """No valid Shopify session token (and not in dev mode)."""

    status_code = 401


class InvalidInput(GatewayError):
    """A request body failed validation; `fields` maps each field path to its message."""

    status_code = 422

    def __init__(self, message: str, *, fields: dict[str, str]) -> None:
        super().__init__(message)
        self.fields = fields

    def body(self) -> dict[str, object]:
        return {"error": str(self), "fields": self.fields}


class BadRequest(GatewayError):
    """A required header is missing or the body is not a JSON object."""

    status_code = 400


class NotFound(GatewayError):
    """The path names no shop or resource we serve."""

    status_code = 404


class Gone(GatewayError):
    """The shop uninstalled the app: its storefront stream is closed for good."""

    status_code = 410


class PayloadTooLarge(GatewayError):
    """The body exceeds PROOFSTREAM_WEBHOOK_MAX_BYTES."""

    status_code = 413


class RequestTimeout(GatewayError):
    """The request's body did not arrive within PROOFSTREAM_BODY_TIMEOUT_S."""

    status_code = 408


class TooManyRequests(GatewayError):
    """Over a connection cap; the client may try again after `Retry-After` seconds."""

    status_code = 429

    def __init__(self, message: str, retry_after: str) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": retry_after}


class BrokerUnavailable(GatewayError):
    """Kafka did not acknowledge the envelope; Shopify will retry the delivery."""

    status_code = 503


class StoreUnavailable(GatewayError):
    """Redis or the database did not answer; the client may retry shortly."""

    status_code = 503
    headers = {"Retry-After": "1"}


async def refused(request: Request, exc: Exception) -> Response:
    """The JSON answer to a `GatewayError`, with its status and headers."""
    assert isinstance(exc, GatewayError)
    log.info("request_refused", status=exc.status_code, reason=str(exc))
    return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)
