"""Builders shared by tests: signed deliveries from the simulator, a Redis client, an SSE
reader, and a gateway run in process."""

from __future__ import annotations

import asyncio
import inspect
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import httpx
import orjson
import pytest
from redis.asyncio import Redis
from starlette.applications import Starlette

from gateway.app import create_app
from proofstream.settings import Settings
from simulator.orders import OrderFactory
from simulator.shopper import frames
from simulator.webhooks import headers as shopify_headers

# What a storefront may receive: spelled out here, not derived from the model under test.
PUBLIC_NOTIFICATION_KEYS = {
    "id",
    "kind",
    "text",
    "fields",
    "product_image",
    "product_url",
    "occurred_at",
}


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    """A client of the tests' Redis, closed afterwards."""
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def orders(shop: str) -> OrderFactory:
    return OrderFactory(seed=7, shop=shop)


async def post_webhook(
    client: httpx.AsyncClient,
    url: str,
    *,
    secret: str,
    shop: str,
    body: bytes,
    topic: str = "orders/create",
    **header_overrides: str,
) -> httpx.Response:
    """POST `body` signed like Shopify does; `header_overrides` replace or add headers."""
    headers = shopify_headers(secret=secret, body=body, topic=topic, shop=shop)
    headers.update(header_overrides)
    return await client.post(url, content=body, headers=headers)


@dataclass
class SSEEvent:
    event: str
    data: str
    id: str | None

    def json(self) -> Any:
        return orjson.loads(self.data)


@dataclass
class SSEReader:
    """Collects parsed events of one open stream in the background."""

    events: asyncio.Queue[SSEEvent] = field(default_factory=asyncio.Queue)

    async def next(self, event: str = "notification", timeout: float = 15) -> SSEEvent:
        async with asyncio.timeout(timeout):
            while True:
                item = await self.events.get()
                if item.event == event:
                    return item

    async def until(
        self, predicate: Callable[[SSEEvent], bool], timeout: float = 20
    ) -> list[SSEEvent]:
        """Every event up to and including the first that `predicate` accepts: a test that
        something never shows sends a later event of the same shop (the sentinel) and
        looks at what came before it."""
        seen: list[SSEEvent] = []
        async with asyncio.timeout(timeout):
            while True:
                item = await self.events.get()
                seen.append(item)
                if predicate(item):
                    return seen


def in_process_settings(*, bootstrap: str, redis_url: str, folder: Path, **more: Any) -> Settings:
    """Settings for a gateway run in the test's process: the given broker and Redis and a
    SQLite record in `folder`, with `more` (by their environment names) on top."""
    return Settings(
        KAFKA_BOOTSTRAP_SERVERS=bootstrap,
        REDIS_URL=redis_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{folder}/gateway.db",
        **more,
    )


@asynccontextmanager
async def gateway_in_process(
    settings: Settings,
) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    """The gateway built from `settings` with its lifespan running, and a client calling it
    in process (base URL `http://gateway`)."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield app, client


@asynccontextmanager
async def open_stream(url: str, *, last_event_id: str | None = None) -> AsyncIterator[SSEReader]:
    """Open an SSE stream and return once the server says the subscription is live."""
    reader = SSEReader()
    headers = {"Last-Event-ID": last_event_id} if last_event_id else {}

    async def pump(response: httpx.Response) -> None:
        async for frame in frames(response.aiter_lines()):
            if frame.data:
                reader.events.put_nowait(SSEEvent(frame.event, frame.data, frame.id))

    async with httpx.AsyncClient(timeout=httpx.Timeout(5, read=None)) as client:
        async with client.stream("GET", url, headers=headers) as response:
            assert response.status_code == 200, await response.aread()
            task = asyncio.create_task(pump(response))
            try:
                await reader.next("ready", timeout=10)
                yield reader
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)


def order_body(factory: OrderFactory, *, title: str, first_name: str = "Emma") -> bytes:
    """A realistic order whose first product and buyer are known to the test."""
    payload = factory.order()
    payload["line_items"][0]["title"] = title
    payload["customer"] = {**(payload["customer"] or {}), "first_name": first_name}
    return factory.body(payload)


def product_is(title: str) -> Callable[[SSEEvent], bool]:
    """A `SSEReader.until` predicate: the notification of `title`."""
    return lambda e: e.event == "notification" and e.json()["fields"]["product"] == title


async def eventually(check: Callable[[], Awaitable[bool] | bool], timeout: float = 20) -> None:
    """Wait until `check()` (a plain or an async predicate) is true (the worker applies
    changes asynchronously)."""
    async with asyncio.timeout(timeout):
        while not await _value(check()):
            await asyncio.sleep(0.1)


async def _value(result: Awaitable[bool] | bool) -> bool:
    return await result if inspect.isawaitable(result) else result


StreamEntries = list[tuple[bytes, dict[bytes, bytes]]]


async def stream_entries(redis: Redis, key: str) -> StreamEntries:
    """A Redis stream's entries, typed as the bytes a client without decoding gets."""
    return cast(StreamEntries, await redis.xrange(key))


def proofstream(*argv: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """`proofstream ARGV…` run as a user would, in the environment `env`, with its output."""
    return subprocess.run(
        [sys.executable, "-m", "proofstream", *argv],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
