"""Shops never see each other's orders, whatever the interleaving: orders of several shops
sent in a random order (seed in the failure message), concurrently, each shop's SSE
client counting what it receives up to its own sentinel."""

import asyncio
import random
import time
import uuid
from contextlib import AsyncExitStack

import httpx
import pytest

from simulator.orders import OrderFactory
from tests.conftest import Stack
from tests.fixtures import SSEReader, open_stream, order_body, post_webhook, product_is

pytestmark = pytest.mark.integration


async def test_each_shop_receives_exactly_its_own_orders(stack: Stack) -> None:
    seed = time.time_ns()
    rng = random.Random(seed)
    shops = [f"iso{i}-{uuid.uuid4().hex[:8]}.myshopify.com" for i in range(5)]
    factories = {shop: OrderFactory(seed=rng.randrange(2**32), shop=shop) for shop in shops}
    orders = [(shop, f"{shop} item {n}") for shop in shops for n in range(rng.randint(2, 8))]
    rng.shuffle(orders)
    async with AsyncExitStack() as streams, httpx.AsyncClient(timeout=10) as client:
        readers: dict[str, SSEReader] = {}
        for shop in shops:
            url = f"{stack.url}/v1/storefront/{shop}/stream"
            readers[shop] = await streams.enter_async_context(open_stream(url))

        async def send(shop: str, title: str) -> None:
            body = order_body(factories[shop], title=title)
            response = await post_webhook(
                client, stack.webhook_url, secret=stack.secret, shop=shop, body=body
            )
            assert response.status_code == 200

        # A few at a time, in the shuffled order: concurrent across shops.
        for start in range(0, len(orders), 3):
            await asyncio.gather(*(send(shop, title) for shop, title in orders[start : start + 3]))
        for shop in shops:
            await send(shop, f"{shop} sentinel")
        for shop in shops:
            got = await readers[shop].until(product_is(f"{shop} sentinel"), timeout=30)
            received = [e.json()["fields"]["product"] for e in got if e.event == "notification"]
            expected = {title for owner, title in orders if owner == shop}
            assert sorted(received[:-1]) == sorted(expected), f"seed {seed}"
