"""Expiring offline tokens: stored encrypted, refreshed before expiry, one refresh at a time.

In one process a per-shop lock makes concurrent callers share one refresh; across
processes the store's compare-and-set (`save_tokens` with the refresh token we used)
lets exactly one rotation win, and the loser reloads the winner's pair.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shopify_app.errors import NotInstalled, ShopifyUnavailable
from shopify_app.tokens import TokenClient, TokenGrant
from storage.crypto import TokenCipher
from storage.repository import OfflineTokens, load_offline_tokens, save_installation, save_tokens

__all__ = ["OfflineTokenManager"]

log = structlog.get_logger("proofstream.shopify.tokens")


class OfflineTokenManager:
    """Hands out a valid offline access token per shop, refreshing or migrating as needed."""

    def __init__(
        self,
        *,
        db: async_sessionmaker[AsyncSession],
        cipher: TokenCipher,
        client: TokenClient,
        clock: Callable[[], datetime],
        api_version: str,
        refresh_margin: timedelta = timedelta(minutes=5),
        retry_delay_s: float = 0.5,
    ) -> None:
        self._db = db
        self._cipher = cipher
        self._client = client
        self._clock = clock
        self._api_version = api_version
        self._margin = refresh_margin
        self._retry_delay_s = retry_delay_s
        self._locks: dict[str, asyncio.Lock] = {}

    async def install(self, shop: str, grant: TokenGrant) -> str:
        """Store a fresh grant for `shop`; returns its widget public key."""
        async with self._db.begin() as session:
            return await save_installation(
                session,
                shop=shop,
                scope=grant.scope,
                api_version=self._api_version,
                tokens=_tokens(shop, grant),
                cipher=self._cipher,
                now=self._clock(),
            )

    async def access_token(self, shop: str, *, force_refresh: bool = False) -> str:
        """A token valid for at least `refresh_margin`; `NotInstalled` when there is none."""
        tokens = await self._load(shop)
        if not force_refresh and self._fresh(tokens):
            return tokens.access_token
        lock = self._locks.setdefault(shop, asyncio.Lock())
        async with lock:
            current = await self._load(shop)
            if current.access_token != tokens.access_token or (
                not force_refresh and self._fresh(current)
            ):
                return current.access_token  # someone refreshed while we waited
            return (await self._renew(current)).access_token

    async def _load(self, shop: str) -> OfflineTokens:
        async with self._db() as session:
            tokens = await load_offline_tokens(session, shop=shop, cipher=self._cipher)
        if tokens is None:
            raise NotInstalled(f"{shop} has no offline token")
        return tokens

    def _fresh(self, tokens: OfflineTokens) -> bool:
        if tokens.expires is None:
            return False  # a legacy non-expiring token: migrate it
        return tokens.expires - self._clock() > self._margin

    async def _renew(self, tokens: OfflineTokens) -> OfflineTokens:
        now = self._clock()
        shop = tokens.shop
        if tokens.refresh_token is None:
            grant = await self._client.migrate(shop, offline_token=tokens.access_token, now=now)
            log.info("offline_token_migrated", shop=shop)
        else:
            if tokens.refresh_token_expires is not None and tokens.refresh_token_expires <= now:
                raise NotInstalled(f"{shop}'s refresh token expired: the shop must reinstall")
            grant = await self._refresh(shop, tokens.refresh_token, now)
        renewed = _tokens(shop, grant)
        async with self._db.begin() as session:
            stored = await save_tokens(
                session,
                tokens=renewed,
                cipher=self._cipher,
                expected_refresh_token=tokens.refresh_token,
                now=now,
            )
        if not stored:  # another process rotated first: theirs is the pair to use
            return await self._load(shop)
        log.info("offline_token_refreshed", shop=shop, expires=renewed.expires)
        return renewed

    async def _refresh(self, shop: str, refresh_token: str, now: datetime) -> TokenGrant:
        # A lost response must not strand the shop: retrying the same refresh request is
        # answered with the same new pair by Shopify.
        try:
            return await self._client.refresh(shop, refresh_token=refresh_token, now=now)
        except ShopifyUnavailable:
            await asyncio.sleep(self._retry_delay_s)
            return await self._client.refresh(shop, refresh_token=refresh_token, now=now)


def _tokens(shop: str, grant: TokenGrant) -> OfflineTokens:
    return OfflineTokens(
        shop=shop,
        access_token=grant.access_token,
        expires=grant.expires,
        refresh_token=grant.refresh_token,
        refresh_token_expires=grant.refresh_token_expires,
        scope=grant.scope,
    )
