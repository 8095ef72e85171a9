"""Shopify's token endpoint: code exchange, session-token exchange, refresh, migration.

Every grant asks for an expiring offline token (`expiring=1`): an access token of about
an hour plus a rotating refresh token (required for public apps from 2027-01-01).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from shopify_app.errors import ShopifyAuthError, ShopifyUnavailable

__all__ = ["TokenClient", "TokenGrant"]

# OAuth grant and token type URNs (S105: names, not secrets).
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105
ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"  # noqa: S105
OFFLINE_TOKEN = "urn:shopify:params:oauth:token-type:offline-access-token"  # noqa: S105


@dataclass(frozen=True)
class TokenGrant:
    """What the token endpoint granted; `repr` never shows the tokens."""

    access_token: str
    scope: str
    expires: datetime | None
    refresh_token: str | None
    refresh_token_expires: datetime | None

    def __repr__(self) -> str:
        return f"TokenGrant(scope={self.scope!r}, expires={self.expires!r}, tokens='***')"


class TokenClient:
    """Talks to `{admin_url}/admin/oauth/access_token` for one app."""

    def __init__(
        self, http: httpx.AsyncClient, *, admin_url: str, api_key: str, api_secret: str
    ) -> None:
        self._http = http
        self._admin_url = admin_url
        self._credentials = {"client_id": api_key, "client_secret": api_secret}

    async def exchange_code(self, shop: str, *, code: str, now: datetime) -> TokenGrant:
        """Authorization-code grant (non-embedded install)."""
        return await self._grant(shop, {"code": code, "expiring": "1"}, now)

    async def exchange_session_token(
        self, shop: str, *, session_token: str, now: datetime
    ) -> TokenGrant:
        """Token exchange: the embedded admin's session token → an offline token."""
        return await self._grant(
            shop,
            {
                "grant_type": TOKEN_EXCHANGE,
                "subject_token": session_token,
                "subject_token_type": ID_TOKEN,
                "requested_token_type": OFFLINE_TOKEN,
                "expiring": "1",
            },
            now,
        )

    async def migrate(self, shop: str, *, offline_token: str, now: datetime) -> TokenGrant:
        """A legacy non-expiring offline token → an expiring pair (the old one stops)."""
        return await self._grant(
            shop,
            {
                "grant_type": TOKEN_EXCHANGE,
                "subject_token": offline_token,
                "subject_token_type": OFFLINE_TOKEN,
                "requested_token_type": OFFLINE_TOKEN,
                "expiring": "1",
            },
            now,
        )

    async def refresh(self, shop: str, *, refresh_token: str, now: datetime) -> TokenGrant:
        """A new access token and a rotated refresh token."""
        return await self._grant(
            shop, {"grant_type": "refresh_token", "refresh_token": refresh_token}, now
        )

    async def _grant(self, shop: str, fields: dict[str, str], now: datetime) -> TokenGrant:
        url = self._admin_url.format(shop=shop) + "/admin/oauth/access_token"
        try:
            response = await self._http.post(url, json={**self._credentials, **fields})
        except httpx.HTTPError as exc:
            raise ShopifyUnavailable(f"token endpoint unreachable: {type(exc).__name__}") from exc
        if response.status_code >= 500:
            raise ShopifyUnavailable(f"token endpoint answered {response.status_code}")
        body: dict[str, Any] = response.json() if response.content else {}
        if response.status_code != 200 or "access_token" not in body:
            raise ShopifyAuthError(
                f"token request refused: {body.get('error', response.status_code)}"
            )
        return TokenGrant(
            access_token=str(body["access_token"]),
            scope=str(body.get("scope", "")),
            expires=_after(now, body.get("expires_in")),
            refresh_token=body.get("refresh_token"),
            refresh_token_expires=_after(now, body.get("refresh_token_expires_in")),
        )


def _after(now: datetime, seconds: Any) -> datetime | None:
    return now + timedelta(seconds=int(seconds)) if seconds is not None else None
