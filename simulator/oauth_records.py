"""What Shopify's OAuth side issues and checks, as records: access and refresh tokens,
authorization codes, the OAuth error answer, the install query's HMAC and the `host`
parameter. `simulator/oauth.py` serves them."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from simulator.state import shop_handle

__all__ = [
    "GRANT_TOKEN_EXCHANGE",
    "ID_TOKEN_TYPE",
    "OFFLINE_TOKEN_TYPE",
    "ONLINE_TOKEN_TYPE",
    "AccessToken",
    "AuthCode",
    "OAuthError",
    "RefreshToken",
    "host_param",
    "query_hmac",
]

GRANT_TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"  # noqa: S105
OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token"  # noqa: S105
ONLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:online-access-token"  # noqa: S105


class OAuthError(Exception):
    """An OAuth error answer: ``{"error": …, "error_description": …}`` with ``status``."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def query_hmac(params: Mapping[str, str], secret: str) -> str:
    """Hex HMAC-SHA256 of every parameter but ``hmac``/``signature``, sorted by key, as a
    percent-encoded query (Shopify's library: ``URLSearchParams`` with spaces as %20)."""
    items = sorted((k, v) for k, v in params.items() if k not in ("hmac", "signature"))
    message = urlencode(items, safe="*", quote_via=quote).replace("~", "%7E")
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def host_param(shop: str) -> str:
    """The ``host`` parameter: base64url (unpadded) of ``admin.shopify.com/store/{name}``."""
    raw = f"admin.shopify.com/store/{shop_handle(shop)}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@dataclass
class AccessToken:
    value: str
    shop: str
    scope: str
    expires_at: float | None  # None: a non-expiring offline token
    online: bool = False
    revoked: bool = False
    # A migrated non-expiring token: the expiring pair it became, and when.
    migrated_to: tuple[str, str] | None = None
    migrated_at: float = 0.0

    def live(self, now: float) -> bool:
        return not self.revoked and (self.expires_at is None or now < self.expires_at)


@dataclass
class RefreshToken:
    value: str
    shop: str
    scope: str
    access_token: str  # issued together with this refresh token
    expires_at: float
    predecessor: str | None = None
    first_used_at: float | None = None
    replacement: str | None = None
    retired: bool = False


@dataclass
class AuthCode:
    shop: str
    scope: str
    per_user: bool
    expires_at: float
    used: bool = False
