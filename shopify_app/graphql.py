"""The Admin GraphQL client: GraphQL only, retried on throttling (cost-based) and 5xx."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import httpx
import structlog

from shopify_app.errors import ShopifyError, ShopifyUnavailable
from shopify_app.offline import OfflineTokenManager

__all__ = ["AdminClient"]

log = structlog.get_logger("proofstream.shopify.graphql")


class AdminClient:
    """`query(shop, document, variables)` → `data`, with the shop's offline token."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        admin_url: str,
        api_version: str,
        tokens: OfflineTokenManager,
        attempts: int = 5,
        backoff_s: float = 0.5,
    ) -> None:
        self._http = http
        self._admin_url = admin_url
        self._api_version = api_version
        self._tokens = tokens
        self._attempts = attempts
        self._backoff_s = backoff_s

    async def query(
        self, shop: str, document: str, variables: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        url = f"{self._admin_url.format(shop=shop)}/admin/api/{self._api_version}/graphql.json"
        payload = {"query": document, "variables": dict(variables or {})}
        force_refresh = False
        for attempt in range(1, self._attempts + 1):
            token = await self._tokens.access_token(shop, force_refresh=force_refresh)
            force_refresh = False
            try:
                response = await self._http.post(
                    url, json=payload, headers={"X-Shopify-Access-Token": token}
                )
            except httpx.HTTPError as exc:
                delay = self._backoff_s * 2 ** (attempt - 1)
                log.warning("graphql_unreachable", shop=shop, error=type(exc).__name__)
                await asyncio.sleep(delay)
                continue
            if response.status_code == 401:
                force_refresh = True  # revoked or expired early: refresh once and retry
                continue
            if response.status_code >= 500 or response.status_code == 429:
                await asyncio.sleep(self._backoff_s * 2 ** (attempt - 1))
                continue
            body: dict[str, Any] = response.json()
            if delay := _throttled_for(body):
                log.info("graphql_throttled", shop=shop, wait_s=round(delay, 2))
                await asyncio.sleep(delay)
                continue
            if body.get("errors"):
                raise ShopifyError(f"GraphQL errors: {body['errors']}")
            data: dict[str, Any] = body.get("data") or {}
            return data
        raise ShopifyUnavailable(f"Admin API for {shop} failed after {self._attempts} attempts")


def _throttled_for(body: Mapping[str, Any]) -> float:
    """Seconds until the bucket holds this query's cost again (0 when not throttled)."""
    errors = body.get("errors")
    if not isinstance(errors, list) or not any(
        isinstance(e, dict) and (e.get("extensions") or {}).get("code") == "THROTTLED"
        for e in errors
    ):
        return 0.0
    cost = (body.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    needed = float(cost.get("requestedQueryCost") or 50)
    available = float(status.get("currentlyAvailable") or 0)
    rate = float(status.get("restoreRate") or 50)
    return max(0.1, (needed - available) / rate)
