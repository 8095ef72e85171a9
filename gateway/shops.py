"""A shop's life with the app, as the gateway sees it: install, uninstall, compliance.

State changes are stored (PostgreSQL/SQLite), then announced on the lifecycle topic so the
agents stop or erase what they hold. Every handler is idempotent: Shopify repeats
deliveries, and `app/uninstalled` may come twice or late.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
import structlog
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agents.render import notification_id
from gateway.producer import EnvelopeProducer
from schemas import ShopLifecycle
from shopify_app.embed import delete_script_tags, publish_widget_key
from shopify_app.errors import ShopifyError
from shopify_app.graphql import AdminClient
from shopify_app.offline import OfflineTokenManager
from shopify_app.tokens import TokenClient, TokenGrant
from storage.repository import is_installed, mark_uninstalled, record_compliance, redact_shop
from streams.redis import stream_key, widget_key_key
from streams.topics import LIFECYCLE

__all__ = ["Shops"]

log = structlog.get_logger("proofstream.gateway.shops")


@dataclass
class Shops:
    """Dependencies of install, uninstall and compliance handling."""

    db: async_sessionmaker[AsyncSession]
    redis: Redis
    producer: EnvelopeProducer
    token_client: TokenClient
    tokens: OfflineTokenManager
    admin: AdminClient
    clock: Callable[[], datetime]
    _installed: set[str] = field(default_factory=set)

    async def install(self, shop: str, grant: TokenGrant) -> None:
        """Store the grant, announce the install, hand the embed its widget key, clean up
        legacy script tags."""
        key = await self.tokens.install(shop, grant)
        self._installed.add(shop)
        await self.redis.set(widget_key_key(shop), key)
        await self._announce(shop, "installed")
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
        for an offline token (Shopify-managed installation + token exchange)."""
        if shop in self._installed:
            return
        async with self.db() as session:
            installed = await is_installed(session, shop=shop)
        if not installed:
            grant = await self.token_client.exchange_session_token(
                shop, session_token=session_token, now=self.clock()
            )
            await self.install(shop, grant)
        self._installed.add(shop)

    async def uninstalled(self, shop: str, *, webhook_id: str) -> None:
        """Tokens deleted now; streaming stops through the lifecycle topic."""
        self._installed.discard(shop)
        async with self.db.begin() as session:
            first = await mark_uninstalled(session, shop=shop, now=self.clock())
        # Announce even on a repeat: a lost earlier announcement must not leave it streaming.
        await self._announce(shop, "uninstalled", webhook_id=webhook_id)
        log.info("shop_uninstalled", shop=shop, first_time=first)

    async def data_request(self, shop: str, payload: dict[str, Any]) -> None:
        """Assemble what we hold about the customer (first name and city per order)."""
        orders = [str(order_id) for order_id in payload.get("orders_requested") or ()]
        found = [
            {"order_id": order_id, **_public_person(notification)}
            for order_id, (_, notification) in (await self._notifications(shop, orders)).items()
        ]
        await self._record(shop, "customers/data_request", payload, {"held": found})

    async def retract_order(self, shop: str, payload: dict[str, Any]) -> None:
        """A cancelled order is no social proof: drop its popup from the replay stream."""
        deleted = await self._delete_notifications(shop, [str(payload.get("id"))])
        log.info("order_retracted", shop=shop, notifications_deleted=deleted)

    async def redact_customer(self, shop: str, payload: dict[str, Any]) -> None:
        """Delete the customer's notifications from the replay stream."""
        orders = [str(order_id) for order_id in payload.get("orders_to_redact") or ()]
        deleted = await self._delete_notifications(shop, orders)
        await self._record(
            shop, "customers/redact", payload, {"orders": orders, "notifications_deleted": deleted}
        )

    async def redact_shop(self, shop: str, *, webhook_id: str) -> None:
        """48 h after uninstall: erase every row here, every key through the agents."""
        self._installed.discard(shop)
        async with self.db.begin() as session:
            counts = await redact_shop(session, shop=shop)
        await self._announce(shop, "redacted", webhook_id=webhook_id)
        # No row may remain for the shop, so this record is the log line.
        log.info("shop_redacted", shop=shop, rows_deleted=counts)

    async def _delete_notifications(self, shop: str, order_ids: list[str]) -> int:
        entries = await self._notifications(shop, order_ids)
        if not entries:
            return 0
        return int(await self.redis.xdel(stream_key(shop), *(i for i, _ in entries.values())))

    async def _notifications(
        self, shop: str, order_ids: list[str]
    ) -> dict[str, tuple[bytes, dict[str, Any]]]:
        """order id → (stream entry id, public notification) for the orders we still hold."""
        wanted = {notification_id(shop=shop, kind="order", source_id=o): o for o in order_ids}
        found: dict[str, tuple[bytes, dict[str, Any]]] = {}
        for entry_id, fields in await self.redis.xrange(stream_key(shop)) or ():
            if not (fields and isinstance(entry_id, bytes)):
                continue
            notification = orjson.loads(fields[b"n"])
            if (order_id := wanted.get(notification.get("id"))) is not None:
                found[order_id] = (entry_id, notification)
        return found

    async def _record(
        self, shop: str, topic: str, payload: dict[str, Any], details: dict[str, Any]
    ) -> None:
        customer = payload.get("customer") or {}
        request = payload.get("data_request") or {}
        async with self.db.begin() as session:
            new = await record_compliance(
                session,
                shop=shop,
                topic=topic,
                request_id=str(request["id"]) if "id" in request else None,
                customer_id=str(customer["id"]) if "id" in customer else None,
                details=details,
                now=self.clock(),
            )
        log.info("compliance_handled", shop=shop, topic=topic, first_time=new, **details)

    async def _announce(self, shop: str, kind: str, *, webhook_id: str | None = None) -> None:
        event = ShopLifecycle.model_validate(
            {"shop": shop, "kind": kind, "at": self.clock(), "webhook_id": webhook_id}
        )
        await self.producer.send(LIFECYCLE, key=shop, value=event.to_json())


def _public_person(notification: dict[str, Any]) -> dict[str, str]:
    fields = notification.get("fields") or {}
    return {k: fields[k] for k in ("first_name", "city") if k in fields}
