"""Webhook in, SSE out: the real gateway and worker processes on the real broker and Redis."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest
from aiokafka import AIOKafkaConsumer

from schemas import DeadLetter
from simulator.orders import OrderFactory
from streams.topics import DEAD_LETTERS
from tests.conftest import Stack
from tests.fixtures import (
    PUBLIC_NOTIFICATION_KEYS,
    eventually,
    open_stream,
    order_body,
    post_webhook,
    product_is,
)

pytestmark = pytest.mark.integration


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


def stream_url(stack: Stack, shop: str) -> str:
    return f"{stack.url}/v1/storefront/{shop}/stream"


async def test_order_becomes_public_notification(
    stack: Stack, client: httpx.AsyncClient, orders: OrderFactory, shop: str
) -> None:
    async with open_stream(stream_url(stack, shop)) as stream:
        body = order_body(orders, title="Blue Hoodie", first_name="Zoë")
        response = await post_webhook(
            client, stack.webhook_url, secret=stack.secret, shop=shop, body=body
        )
        assert response.status_code == 200
        event = await stream.next(timeout=20)
    data = event.json()
    assert data["text"].startswith("Zoë") and data["text"].endswith("just bought Blue Hoodie")
    assert set(data) == PUBLIC_NOTIFICATION_KEYS
    for private in ("email", "phone", "last_name", "address1", "zip", "total_price", "browser_ip"):
        assert private not in event.data
    assert event.id is not None and "-" in event.id


async def test_redelivery_shows_once(
    stack: Stack, client: httpx.AsyncClient, orders: OrderFactory, shop: str
) -> None:
    body = order_body(orders, title="Wool Scarf")
    async with open_stream(stream_url(stack, shop)) as stream:
        for _ in range(3):  # Shopify repeats deliveries, each with a new webhook id
            await post_webhook(client, stack.webhook_url, secret=stack.secret, shop=shop, body=body)
        sentinel = order_body(orders, title="Sentinel")
        await post_webhook(client, stack.webhook_url, secret=stack.secret, shop=shop, body=sentinel)
        before = await stream.until(product_is("Sentinel"))
    assert [e.json()["fields"]["product"] for e in before if e.event == "notification"] == [
        "Wool Scarf",
        "Sentinel",
    ]


async def test_reconnect_with_last_event_id_replays_missed(
    stack: Stack, client: httpx.AsyncClient, orders: OrderFactory, shop: str
) -> None:
    async with open_stream(stream_url(stack, shop)) as stream:
        await post_webhook(
            client,
            stack.webhook_url,
            secret=stack.secret,
            shop=shop,
            body=order_body(orders, title="First"),
        )
        first = await stream.next(timeout=20)
    async with open_stream(stream_url(stack, shop)) as watcher:
        await post_webhook(
            client,
            stack.webhook_url,
            secret=stack.secret,
            shop=shop,
            body=order_body(orders, title="Second"),
        )
        await watcher.next(timeout=20)  # published while the first client was away
    async with open_stream(stream_url(stack, shop), last_event_id=first.id) as again:
        sentinel = order_body(orders, title="Sentinel")
        await post_webhook(client, stack.webhook_url, secret=stack.secret, shop=shop, body=sentinel)
        got = await again.until(product_is("Sentinel"))
    # What was missed, once, then live: nothing before it was replayed again.
    assert [e.json()["fields"]["product"] for e in got if e.event == "notification"] == [
        "Second",
        "Sentinel",
    ]


async def test_other_shops_orders_never_arrive(
    stack: Stack, client: httpx.AsyncClient, shop: str
) -> None:
    other = "other-" + shop
    async with (
        open_stream(stream_url(stack, shop)) as mine,
        open_stream(stream_url(stack, other)) as theirs,
    ):
        factories = {owner: OrderFactory(seed=1, shop=owner) for owner in (shop, other)}

        async def send(owner: str, title: str) -> None:
            body = order_body(factories[owner], title=title)
            await post_webhook(
                client, stack.webhook_url, secret=stack.secret, shop=owner, body=body
            )

        for owner, title in ((other, "Not Yours"), (shop, "Yours"), (other, "Their Sentinel")):
            await send(owner, title)
        # Once the other shop's sentinel is live, "Not Yours" was published before it.
        await theirs.until(product_is("Their Sentinel"))
        await send(shop, "My Sentinel")
        got = await mine.until(product_is("My Sentinel"))
    assert [e.json()["fields"]["product"] for e in got if e.event == "notification"] == [
        "Yours",
        "My Sentinel",
    ]


async def dead_letters_for(stack: Stack, shop: str, timeout: float = 20) -> DeadLetter:
    consumer = AIOKafkaConsumer(
        DEAD_LETTERS,
        bootstrap_servers=stack.bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        async with asyncio.timeout(timeout):
            async for message in consumer:
                if message.key == shop.encode():
                    return DeadLetter.from_json(message.value)
    finally:
        await consumer.stop()
    raise AssertionError("unreachable")


async def test_malformed_order_is_dead_lettered_and_next_order_shows(
    stack: Stack, client: httpx.AsyncClient, orders: OrderFactory, shop: str
) -> None:
    broken = orjson.dumps({"id": 42, "line_items": "not a list"})
    async with open_stream(stream_url(stack, shop)) as stream:
        assert (
            await post_webhook(
                client, stack.webhook_url, secret=stack.secret, shop=shop, body=broken
            )
        ).status_code == 200
        await post_webhook(
            client,
            stack.webhook_url,
            secret=stack.secret,
            shop=shop,
            body=order_body(orders, title="After The Bad One"),
        )
        assert (await stream.next(timeout=20)).json()["fields"]["product"] == "After The Bad One"
    letter = await dead_letters_for(stack, shop)
    assert letter.stage == "normalize"
    assert letter.reason == "order has no line item with a title"
    assert orjson.loads(letter.original)["payload"] == {"id": 42, "line_items": "not a list"}


async def test_cancelled_order_is_retracted_everywhere(
    stack: Stack, client: httpx.AsyncClient, orders: OrderFactory, shop: str
) -> None:
    payload = orders.order()
    payload["line_items"][0]["title"] = "Cancelled Chair"
    async with open_stream(stream_url(stack, shop)) as stream:
        body = orders.body(payload)
        await post_webhook(client, stack.webhook_url, secret=stack.secret, shop=shop, body=body)
        shown = (await stream.next(timeout=20)).json()
        cancelled = orjson.dumps({**payload, "cancelled_at": "2026-11-25T12:00:00-05:00"})
        response = await post_webhook(
            client,
            stack.webhook_url,
            secret=stack.secret,
            shop=shop,
            body=cancelled,
            topic="orders/cancelled",
        )
        assert response.json() == {"status": "accepted"}
        # Live pages are told to take it down...
        assert (await stream.next("retract", timeout=20)).json() == {"id": shown["id"]}
    # ...a reconnecting page does not get it again, and the record says why.
    async with open_stream(stream_url(stack, shop), last_event_id="0-1") as replay:
        sentinel = order_body(orders, title="Sentinel")
        await post_webhook(client, stack.webhook_url, secret=stack.secret, shop=shop, body=sentinel)
        before = await replay.until(product_is("Sentinel"))
    assert [e.json()["fields"]["product"] for e in before if e.event == "notification"] == [
        "Sentinel"
    ]

    async def retracted() -> bool:
        row = await client.get(
            f"{stack.url}/api/notifications/{shown['id']}", params={"shop": shop}
        )
        return row.status_code == 200 and row.json()["status"] == "retracted"

    await eventually(retracted)
