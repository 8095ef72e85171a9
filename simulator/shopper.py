"""A shopper's storefront page, as the widget's EventSource behaves: it reconnects whenever
its stream ends or breaks, after the server's `retry:` hint, resuming with the last event
id it saw. Tests and benches count what each page received.

Run against any gateway (or several, as behind a load balancer)::

    stream = "http://127.0.0.1:8000/v1/storefront/demo-shop.myshopify.com/stream"
    async with shopping(stream) as page:
        ...
        print(page.products())
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

__all__ = ["Frame", "PageEvent", "Shopper", "frames", "shopping"]


@dataclass(frozen=True)
class Frame:
    """One block of a server-sent event stream (up to its blank line)."""

    event: str
    data: str  # empty for a block without `data:` (a `retry:` or a comment alone)
    id: str | None
    retry_ms: int | None


async def frames(lines: AsyncIterator[str]) -> AsyncIterator[Frame]:
    """The blocks of a stream, from its lines (as `httpx.Response.aiter_lines()` gives)."""
    event, data, event_id, retry = "message", list[str](), None, None
    async for line in lines:
        if line == "":
            if data or retry is not None:
                yield Frame(event, "\n".join(data), event_id, retry)
            event, data, event_id, retry = "message", [], None, None
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif line.startswith("id:"):
            event_id = line[3:].strip()
        elif line.startswith("retry:"):
            retry = int(line[6:])


@dataclass(frozen=True)
class PageEvent:
    """One SSE event as the page received it, and when (time.monotonic())."""

    event: str
    data: str
    id: str | None
    at: float

    def json(self) -> Any:
        return orjson.loads(self.data)


@dataclass
class Shopper:
    """A shopper's page, as its EventSource behaves: reconnect whenever the stream ends or
    breaks, after the server's `retry:` hint, with the last event id it saw. `events`
    gathers every event of every connection, `hints` every retry hint. Given several
    URLs (gateways behind a load balancer), a connection that fails or ends moves on to the
    next one."""

    urls: Sequence[str]
    retry_s: float = 0.3
    events: list[PageEvent] = field(default_factory=list)
    hints: list[int] = field(default_factory=list)
    connections: int = 0
    last_id: str | None = None

    async def run(self) -> None:
        async with httpx.AsyncClient(timeout=httpx.Timeout(5, read=None)) as client:
            for attempt in itertools.count():
                url = self.urls[attempt % len(self.urls)]
                headers = {"Last-Event-ID": self.last_id} if self.last_id else {}
                try:
                    async with client.stream("GET", url, headers=headers) as response:
                        if response.status_code == 200:
                            self.connections += 1
                            await self._read(response)
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(self.retry_s)

    async def _read(self, response: httpx.Response) -> None:
        async for frame in frames(response.aiter_lines()):
            if frame.retry_ms is not None:
                self.hints.append(frame.retry_ms)
                self.retry_s = frame.retry_ms / 1000
            if frame.data:
                self.events.append(PageEvent(frame.event, frame.data, frame.id, time.monotonic()))
                if frame.id:
                    self.last_id = frame.id

    def products(self) -> list[str]:
        return [e.json()["fields"]["product"] for e in self.events if e.event == "notification"]


@asynccontextmanager
async def shopping(*urls: str) -> AsyncIterator[Shopper]:
    """A `Shopper` on `urls` for the duration of the block."""
    shopper = Shopper(urls)
    task = asyncio.create_task(shopper.run())
    try:
        yield shopper
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
