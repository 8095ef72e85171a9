"""A shop's life with the app, as the gateway owns it: the install and its tokens.

Installs are stored (PostgreSQL/SQLite) and announced on the lifecycle topic; the shop's
catalogue is then read from the Admin API in the background and produced to the raw topic
as `products/update` envelopes, which seed the worker's products table. Uninstalls
and redactions only touch what is the gateway's own (tokens, the install row): the
webhooks themselves go through Kafka like every other, and the worker stops and erases
what it holds. Every handler is idempotent: Shopify repeats deliveries.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.errors import GatewayError
from gateway.producer import EnvelopeProducer
from gateway.store import Store, database_errors
from schemas import ShopLifecycle, WebhookEnvelope
from shopify_app.catalogue import product_pages
from shopify_app.embed import delete_script_tags, publish_widget_key
from shopify_app.errors import ShopifyError
from shopify_app.graphql import AdminClient
from shopify_app.offline import OfflineTokenManager
from shopify_app.tokens import TokenClient, TokenGrant
from storage.repository import APP_TABLES, mark_uninstalled, redact_shop
from storage.shops import is_installed
from streams.topics import LIFECYCLE, RAW_WEBHOOKS

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
    api_version: str
    _seeding: set[asyncio.Task[int]] = field(default_factory=set)

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
        # A large catalogue takes a while: the install answers now, the seed goes on.
        task = asyncio.create_task(self.seed_catalogue(shop), name=f"catalogue:{shop}")
        self._seeding.add(task)
        task.add_done_callback(self._seeding.discard)

    async def seed_catalogue(self, shop: str) -> int:
        """Produce every active product of the shop as a `products/update` envelope (a page
        at a time); the number produced. Best effort: the webhooks fill in the rest."""
        produced = 0
        try:
            async for page in product_pages(self.admin, shop):
                await asyncio.gather(*(self._produce_product(shop, p) for p in page))
                produced += len(page)
                log.info("catalogue_seeding", shop=shop, products=produced)
        except (ShopifyError, GatewayError) as exc:
            log.warning("catalogue_seed_incomplete", shop=shop, products=produced, error=str(exc))
        else:
            log.info("catalogue_seeded", shop=shop, products=produced)
        return produced

    async def _produce_product(self, shop: str, product: dict[str, object]) -> None:
        envelope = WebhookEnvelope.encode(
            webhook_id=f"catalogue-seed-{uuid.uuid4().hex}",
            event_id=None,
            topic="products/update",
            shop=shop,
            api_version=self.api_version,
            triggered_at=None,
            received_at=datetime.now(UTC),
            raw_payload=orjson.dumps(product),
        )
        await self.producer.send(RAW_WEBHOOKS, key=shop, value=envelope)

    async def close(self) -> None:
        """Stop seeding (at shutdown; the next install seeds again)."""
        for task in self._seeding:
            task.cancel()
        await asyncio.gather(*self._seeding, return_exceptions=True)

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
