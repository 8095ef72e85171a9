"""Helpers of the end-to-end tests that run a shop on the real stack (dev mode: `?shop=`
stands in for a session token): save its settings, post its orders and products."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
from redis.asyncio import Redis

from schemas import notification_id
from simulator.catalogue import PRODUCTS_BY_ID, product_payload
from simulator.orders import OrderFactory
from streams.redis import settings_key
from tests.conftest import Stack
from tests.fixtures import eventually, post_webhook

__all__ = ["linked_order", "order", "product", "save_settings"]


async def save_settings(client: httpx.AsyncClient, redis: Redis, shop: str, **changes: Any) -> None:
    """Save settings (dev mode: ?shop=) and wait until the worker projected them."""
    saved = await client.put("/api/settings", params={"shop": shop}, json=changes)
    assert saved.status_code == 202, saved.text

    async def projected() -> bool:
        raw = await redis.get(settings_key(shop))
        return raw is not None and all(orjson.loads(raw).get(k) == v for k, v in changes.items())

    await eventually(projected)


async def order(
    client: httpx.AsyncClient, stack: Stack, shop: str, seed: int, title: str, age: timedelta
) -> str:
    """Post an order placed `age` ago; its notification id."""
    factory = OrderFactory(seed=seed, shop=shop)
    payload = factory.order()
    payload["line_items"][0]["title"] = title
    payload["created_at"] = (datetime.now(UTC) - age).isoformat()
    answer = await post_webhook(
        client, "/webhooks/shopify", secret=stack.secret, shop=shop, body=factory.body(payload)
    )
    assert answer.status_code == 200
    return notification_id(shop=shop, kind="order", source_id=str(payload["id"]))


async def product(client: httpx.AsyncClient, stack: Stack, shop: str, product_id: int) -> None:
    """Post the simulator catalogue's product as a `products/update` webhook."""
    body = orjson.dumps(product_payload(PRODUCTS_BY_ID[product_id]))
    answer = await post_webhook(
        client,
        "/webhooks/shopify",
        secret=stack.secret,
        shop=shop,
        body=body,
        topic="products/update",
    )
    assert answer.status_code == 200


async def linked_order(
    client: httpx.AsyncClient, stack: Stack, shop: str, seed: int, title: str | None = None
) -> str:
    """An order of a catalogue product the shop's catalogue knows (posted first), so its
    popup shows the product's image and link; its notification id."""
    factory = OrderFactory(seed=seed, shop=shop)
    payload = factory.order()
    await product(client, stack, shop, payload["line_items"][0]["product_id"])
    if title is not None:
        payload["line_items"][0]["title"] = title
    answer = await post_webhook(
        client, "/webhooks/shopify", secret=stack.secret, shop=shop, body=factory.body(payload)
    )
    assert answer.status_code == 200
    return notification_id(shop=shop, kind="order", source_id=str(payload["id"]))
