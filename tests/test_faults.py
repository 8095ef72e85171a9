"""Faults survived with nothing lost and nothing shown twice, on real processes (a broker,
Redis, gateway and worker of the test's own) while orders flow and a shopper's page
(reconnecting with Last-Event-ID, as EventSource does) counts what it receives."""

import asyncio
import signal
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from proofstream.services import ManagedProcess, free_port, start_broker, start_redis
from simulator.orders import OrderFactory
from simulator.webhooks import WebhookSender
from tests.conftest import SECRET, gateway_process, start_process
from tests.fixtures import eventually, shopping

pytestmark = pytest.mark.integration


@dataclass
class Own:
    url: str
    redis_port: int
    folder: Path
    broker: ManagedProcess
    redis: ManagedProcess

    def restart_redis(self) -> None:
        """Redis stopped and started again, empty (it keeps nothing on disk)."""
        self.redis.stop()
        self.redis, _ = start_redis(log_path=self.folder / "redis-2.log", port=self.redis_port)


@pytest.fixture
async def own(tmp_path: Path) -> AsyncIterator[Own]:
    broker, bootstrap = start_broker(log_path=tmp_path / "broker.log")
    port = free_port()
    redis, redis_url = start_redis(log_path=tmp_path / "redis.log", port=port)
    stack = Own(url="", redis_port=port, folder=tmp_path, broker=broker, redis=redis)
    try:
        with gateway_process(bootstrap=bootstrap, redis_url=redis_url, folder=tmp_path) as (
            url,
            env,
            _,
        ):
            stack.url = url
            worker = start_process("worker", ["worker"], env, tmp_path)
            try:
                yield stack
            finally:
                worker.stop()
    finally:
        stack.redis.stop()
        broker.stop()


@dataclass
class Answer:
    status: int
    seconds: float


async def send_orders(
    url: str, shop: str, titles: list[str], *, every_s: float, answers: list[Answer] | None = None
) -> list[str]:
    """Deliver an order per title (one starts every `every_s`, each retried as Shopify
    does, up to a minute); the titles accepted. Every answer's status and time is added
    to `answers`."""

    async def timed(response: httpx.Response) -> None:
        await response.aread()
        if answers is not None:
            answers.append(Answer(response.status_code, response.elapsed.total_seconds()))

    factory = OrderFactory(seed=9, shop=shop)
    async with httpx.AsyncClient(timeout=10, event_hooks={"response": [timed]}) as client:
        sender = WebhookSender(
            client=client,
            endpoint=f"{url}/webhooks/shopify",
            secret=SECRET,
            retry_delays=[1.0] * 60,
        )

        async def deliver(title: str) -> str | None:
            order = factory.order()
            order["line_items"][0]["title"] = title
            answer = await sender.deliver_with_retries(
                topic="orders/create", shop=shop, body=sender.body("orders/create", order)
            )
            return title if answer.is_success else None

        deliveries = []
        for title in titles:
            deliveries.append(asyncio.create_task(deliver(title)))
            await asyncio.sleep(every_s)
        return [title for title in await asyncio.gather(*deliveries) if title is not None]


async def test_a_redis_restart_loses_no_popup_and_shows_none_twice(own: Own, shop: str) -> None:
    async with httpx.AsyncClient(base_url=own.url, timeout=10) as client:
        saved = await client.put(
            "/api/settings", params={"shop": shop}, json={"templates": ["Kept: {product}"]}
        )
        assert saved.status_code == 202

        async def applied() -> bool:
            body = (await client.get("/api/settings", params={"shop": shop})).json()
            return bool(body["settings"]["templates"] == ["Kept: {product}"])

        await eventually(applied, timeout=60)
        titles = [f"Order {n}" for n in range(30)]
        async with shopping(f"{own.url}/v1/storefront/{shop}/stream") as shopper:
            await eventually(lambda: _true(shopper.connections > 0))
            sending = asyncio.create_task(send_orders(own.url, shop, titles, every_s=0.1))
            await eventually(lambda: _true(len(shopper.products()) >= 10), timeout=60)
            own.restart_redis()
            accepted = await sending
            await eventually(lambda: _true(set(shopper.products()) >= set(accepted)), timeout=60)
        # After Redis came back empty, the worker wrote the shop's settings to it again.
        await eventually(applied, timeout=20)
        config = (await client.get(f"/v1/storefront/{shop}/config")).json()
    assert accepted == titles
    assert Counter(shopper.products()) == Counter(titles), "lost or shown twice"
    assert shopper.connections >= 2  # its stream ended with the subscription; it came back
    assert all(
        e.json()["text"].startswith("Kept: ") for e in shopper.events if e.event == "notification"
    )
    assert config["enabled"] is True


async def test_a_stopped_broker_gets_503_in_time_and_loses_nothing(own: Own, shop: str) -> None:
    """The broker frozen for 30 s (SIGSTOP: its connections stay open and silent, the
    hardest case for a client): every webhook is answered within the produce timeout
    (2 s), 503 while it is down, and Shopify's retries afterwards are shown once."""
    answers: list[Answer] = []
    titles = [f"Order {n}" for n in range(40)]
    async with shopping(f"{own.url}/v1/storefront/{shop}/stream") as shopper:
        await eventually(lambda: _true(shopper.connections > 0))
        sending = asyncio.create_task(
            send_orders(own.url, shop, titles, every_s=0.25, answers=answers)
        )
        await eventually(lambda: _true(len(shopper.products()) >= 5), timeout=60)
        own.broker.signal(signal.SIGSTOP)
        try:
            await asyncio.sleep(30)
        finally:
            own.broker.signal(signal.SIGCONT)
        accepted = await sending
        await eventually(lambda: _true(set(shopper.products()) >= set(accepted)), timeout=90)
    refused = [a for a in answers if a.status == 503]
    assert len(refused) >= 10, "the outage was not seen"
    assert {a.status for a in answers} <= {200, 503}
    assert max(a.seconds for a in answers) < 2.5, sorted(a.seconds for a in answers)[-5:]
    assert accepted == titles
    assert Counter(shopper.products()) == Counter(titles), "lost or shown twice"


async def _true(value: bool) -> bool:
    return value
