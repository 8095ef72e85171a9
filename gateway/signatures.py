"""Shopify webhook HMAC: base64(HMAC-SHA256(app secret, raw body)), compared in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac

from gateway.errors import InvalidSignature

__all__ = ["verify_webhook"]


def verify_webhook(*, secret: bytes, body: bytes, signature: str | None) -> None:
    """Raise `InvalidSignature` unless `signature` signs exactly these body bytes."""
    if not signature:
        raise InvalidSignature("missing X-Shopify-Hmac-Sha256 header")
    expected = base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest())
    if not hmac.compare_digest(expected, signature.strip().encode("ascii", "replace")):
        raise InvalidSignature("HMAC does not match the body")
