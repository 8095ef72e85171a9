"""A restarted worker restores shop settings from the table's changelog (real broker)."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from proofstream.services import start_broker
from simulator.orders import OrderFactory
from tests.conftest import SECRET, gateway_process, start_process
from tests.fixtures import open_stream, order_body, post_webhook

pytestmark = pytest.mark.integration


@pytest.fixture
async def own_stack(redis_url: str, tmp_path: Path) -> AsyncIterator[dict[str, str]]:
    # A broker of its own: the session's worker (another group) must not render these orders.
    broker, bootstrap = start_broker(log_path=tmp_path / "broker.log")
    try:
        with gateway_process(bootstrap=bootstrap, redis_url=redis_url, folder=tmp_path) as (
            url,
            env,
            _,
        ):
            yield {**env, "url": url, "logs": str(tmp_path)}
    finally:
        broker.stop()


async def show_one(url: str, shop: str, seed: int) -> str:
    async with (
        open_stream(f"{url}/v1/storefront/{shop}/stream") as stream,
        httpx.AsyncClient() as client,
    ):
        body = order_body(OrderFactory(seed=seed, shop=shop), title=f"Item {seed}")
        response = await post_webhook(
            client, f"{url}/webhooks/shopify", secret=SECRET, shop=shop, body=body
        )
        assert response.status_code == 200
        return str((await stream.next(timeout=40)).json()["text"])


async def test_worker_restart_recovers_settings_table(own_stack: dict[str, str], shop: str) -> None:
    url, logs = own_stack["url"], Path(own_stack["logs"])
    env = {k: v for k, v in own_stack.items() if k not in ("url", "logs")}
    worker = start_process("worker-1", ["worker"], env, logs)
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
        assert await show_one(url, shop, 31) == "Restored: Item 31"
    finally:
        assert worker.stop() == 0, worker.log_path.read_text()[-2000:]

    worker = start_process("worker-2", ["worker"], env, logs)
    try:
        assert await show_one(url, shop, 32) == "Restored: Item 32"
    finally:
        worker.stop()
    assert "shop-settings-changelog" in worker.log_path.read_text()
