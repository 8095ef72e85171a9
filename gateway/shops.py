"""A shop's life with the app, as the gateway owns it: the install and its tokens.

Installs are stored (PostgreSQL/SQLite) and announced on the lifecycle topic. Uninstalls
and redactions only touch what is the gateway's own (tokens, the install row): the
webhooks themselves go through Kafka like every other, and the worker stops and erases
what it holds. Every handler is idempotent: Shopify repeats deliveries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.producer import EnvelopeProducer
from gateway.store import Store, database_errors
from schemas import ShopLifecycle
from shopify_app.embed import delete_script_tags, publish_widget_key
from shopify_app.errors import ShopifyError
from shopify_app.graphql import AdminClient
from shopify_app.offline import OfflineTokenManager
from shopify_app.tokens import TokenClient, TokenGrant
from storage.repository import APP_TABLES, mark_uninstalled, redact_shop
from storage.shops import is_installed
from streams.topics import LIFECYCLE

__all__ = ["Shops"]

log = structlog.get_logger("proofstream.gateway.shops")


@dataclass
class Shops:
    """Dependencies of install and of the app's part in uninstall and shop redaction."""

    db: async_sessionmaker[AsyncSession]
    store: Store
    producer: EnvelopeProducer
    token_client: TokenClient
    tokens: OfflineTokenManager
    admin: AdminClient
    clock: Callable[[], datetime]

    async def install(self, shop: str, grant: TokenGrant) -> None:
        """Store the grant, announce the install, hand the embed its widget key, clean up
        legacy script tags."""
        key = await self.tokens.install(shop, grant)
        await self.store.set_widget_key(shop, key)
        event = ShopLifecycle(shop=shop, kind="installed", at=self.clock())
        await self.producer.send(LIFECYCLE, key=shop, value=event.to_json())
        # Best effort, each retried at the next install: the app works without them.
        try:
            await publish_widget_key(self.admin, shop, key=key)
        except ShopifyError as exc:
            log.warning("widget_key_not_published", shop=shop, error=str(exc))
        try:
            deleted = await delete_script_tags(self.admin, shop)
        except ShopifyError as exc:
            log.warning("script_tag_cleanup_failed", shop=shop, error=str(exc))
        else:
            log.info("shop_installed", shop=shop, legacy_script_tags_deleted=deleted)

    async def ensure_installed(self, shop: str, *, session_token: str) -> None:
        """Embedded path: the first authenticated admin call exchanges the session token
        for an offline token (Shopify-managed installation + token exchange). Asked of
        the database every time: another gateway may have handled an uninstall."""
        async with database_errors(), self.db() as session:
            installed = await is_installed(session, shop=shop)
        if not installed:
            grant = await self.token_client.exchange_session_token(
                shop, session_token=session_token, now=self.clock()
            )
            await self.install(shop, grant)

    async def uninstalled(self, shop: str) -> None:
        """`app/uninstalled`: the shop's tokens are deleted now."""
        async with database_errors(), self.db.begin() as session:
            first = await mark_uninstalled(session, shop=shop, now=self.clock())
        log.info("shop_uninstalled", shop=shop, first_time=first)

    async def redacted(self, shop: str) -> None:
        """`shop/redact` (48 h after uninstall): the install row and its sessions go."""
        async with database_errors(), self.db.begin() as session:
            counts = await redact_shop(session, shop=shop, tables=APP_TABLES)
        log.info("shop_redacted", shop=shop, rows_deleted=counts)
