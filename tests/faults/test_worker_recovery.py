"""A restarted worker restores its tables from their changelogs (real broker): the shop's
settings, and the orders it must never show (a cancel that came before its order)."""

import asyncio

import httpx
import pytest

from simulator.followups import cancelled
from simulator.orders import OrderFactory
from tests.conftest import SECRET
from tests.faults.cluster import Cluster
from tests.fixtures import open_stream, order_body, post_webhook, product_is

pytestmark = pytest.mark.integration


async def show_one(url: str, shop: str, seed: int, *, first: bytes | None = None) -> list[str]:
    """Send `first` (if any), then an order of `Item {seed}`; the texts shown up to it."""
    async with (
        open_stream(f"{url}/v1/storefront/{shop}/stream") as stream,
        httpx.AsyncClient() as client,
    ):
        title = f"Item {seed}"
        for body in (first, order_body(OrderFactory(seed=seed, shop=shop), title=title)):
            if body is None:
                continue
            response = await post_webhook(
                client, f"{url}/webhooks/shopify", secret=SECRET, shop=shop, body=body
            )
            assert response.status_code == 200
        shown = await stream.until(product_is(title), timeout=40)
    return [e.json()["text"] for e in shown if e.event == "notification"]


async def test_worker_restart_recovers_settings_and_marks(cluster: Cluster, shop: str) -> None:
    url = await asyncio.to_thread(cluster.gateway)
    worker = cluster.worker("worker-1")
    try:
        async with httpx.AsyncClient(base_url=url) as client:
            saved = await client.put(
                "/api/settings", params={"shop": shop}, json={"templates": ["Restored: {product}"]}
            )
            assert saved.status_code == 202
            # The worker has just started: wait until it has applied the change (orders
            # and settings are separate topics, so an order sent now could overtake it).
            async with asyncio.timeout(40):
                while (await client.get("/api/settings", params={"shop": shop})).json()["settings"][
                    "templates"
                ] != ["Restored: {product}"]:
                    await asyncio.sleep(0.1)
            # An order cancelled before it arrives: the worker marks it in its table.
            factory = OrderFactory(seed=33, shop=shop)
            early = factory.order()
            early["line_items"][0]["title"] = "Cancelled Early"
            cancel = await post_webhook(
                client,
                "/webhooks/shopify",
                secret=SECRET,
                shop=shop,
                body=factory.body(cancelled(early)),
                topic="orders/cancelled",
            )
            assert cancel.status_code == 200
        assert await show_one(url, shop, 31) == ["Restored: Item 31"]
    finally:
        assert worker.stop() == 0, worker.log_path.read_text()[-2000:]

    worker = cluster.worker("worker-2")  # its successor in the group
    try:
        # The cancelled order arrives now, before the sentinel: it must not show.
        shown = await show_one(url, shop, 32, first=factory.body(early))
        assert shown == ["Restored: Item 32"]
    finally:
        worker.stop()
    log = worker.log_path.read_text()
    assert "shop-settings-changelog" in log and "order-marks-changelog" in log
