"""Errors talking to Shopify.

ShopifyError
├── ShopifyAuthError     (a token request was refused: invalid_grant, invalid_client, ...)
├── ShopifyUnavailable   (5xx, throttled past our retries, or unreachable)
└── NotInstalled         (no usable offline token for the shop)
"""

from proofstream.errors import ProofstreamError

__all__ = ["NotInstalled", "ShopifyAuthError", "ShopifyError", "ShopifyUnavailable"]


class ShopifyError(ProofstreamError):
    """Base of errors talking to Shopify."""


class ShopifyAuthError(ShopifyError):
    """Shopify refused a token request or a token."""


class ShopifyUnavailable(ShopifyError):
    """Shopify answered 5xx, kept throttling, or could not be reached."""


class NotInstalled(ShopifyError):
    """The shop has no usable offline token: it must install (again)."""
