"""Redis restarted (empty: it keeps nothing on disk) while orders flow and a shopper's page
counts what it receives: nothing lost, nothing shown twice, and what the worker projects
to Redis (settings, install status) is written again."""

import asyncio
from collections import Counter

import httpx
import pytest

from simulator.balancer import Balancer
from simulator.shopper import shopping
from tests.faults.cluster import Cluster, send_orders, titles
from tests.fixtures import eventually

pytestmark = pytest.mark.integration


async def test_a_redis_restart_loses_no_popup_and_shows_none_twice(
    cluster: Cluster, shop: str
) -> None:
    url = await cluster.started()
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        saved = await client.put(
            "/api/settings", params={"shop": shop}, json={"templates": ["Kept: {product}"]}
        )
        assert saved.status_code == 202

        async def applied() -> bool:
            body = (await client.get("/api/settings", params={"shop": shop})).json()
            return bool(body["settings"]["templates"] == ["Kept: {product}"])

        await eventually(applied, timeout=60)
        async with shopping(f"{url}/v1/storefront/{shop}/stream") as shopper:
            await eventually(lambda: shopper.connections > 0)
            sending = asyncio.create_task(send_orders(Balancer([url]), [shop], 30, every_s=0.1))
            await eventually(lambda: len(shopper.products()) >= 10, timeout=60)
            cluster.restart_redis()
            accepted = (await sending)[shop]
            await eventually(lambda: set(shopper.products()) >= set(accepted), timeout=60)
        # After Redis came back empty, the worker wrote the shop's settings to it again.
        await eventually(applied, timeout=20)
        config = (await client.get(f"/v1/storefront/{shop}/config")).json()
    assert accepted == titles(30)
    assert Counter(shopper.products()) == Counter(accepted), "lost or shown twice"
    # Its stream ended with the subscription, with a hint when to come back; it came back.
    assert shopper.connections >= 2 and len(shopper.hints) > shopper.connections
    assert all(
        e.json()["text"].startswith("Kept: ") for e in shopper.events if e.event == "notification"
    )
    assert config["enabled"] is True
