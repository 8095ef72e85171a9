"""The end-to-end bench's SSE clients: one per shop, reading the gateway's stream like a
browser (reconnecting with Last-Event-ID), and what they received (`Receipts`: each
marker's arrival time, repeats, reconnects)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from bench._stack import BenchStack

__all__ = ["Receipts", "SSEClient", "sse_clients"]

now = time.perf_counter  # system-wide monotonic clock; uvloop's loop.time() has 1 ms steps


@dataclass
class Receipts:
    """What the SSE clients saw: marker -> first arrival time; duplicates counted."""

    arrived: dict[str, float] = field(default_factory=dict)
    duplicates: int = 0
    reconnects: int = 0
    progress: asyncio.Event = field(default_factory=asyncio.Event)

    def seen(self, marker: str, at: float) -> None:
        if marker in self.arrived:
            self.duplicates += 1
        else:
            self.arrived[marker] = at
            self.progress.set()


class SSEClient:
    """One storefront stream; reconnects with Last-Event-ID (as the widget does) if dropped."""

    def __init__(self, client: httpx.AsyncClient, url: str, receipts: Receipts) -> None:
        self.client, self.url, self.receipts = client, url, receipts
        self.ready = asyncio.Event()
        self.last_id: str | None = None
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            try:
                await self._stream()
            except (httpx.HTTPError, OSError):
                pass
            self.receipts.reconnects += 1
            await asyncio.sleep(0.05)

    async def _stream(self) -> None:
        headers = {"Accept": "text/event-stream"}
        if self.last_id:
            headers["Last-Event-ID"] = self.last_id
        async with self.client.stream("GET", self.url, headers=headers) as response:
            if response.status_code != 200:
                raise httpx.HTTPError(f"SSE answered {response.status_code}")
            buffer = b""
            async for chunk in response.aiter_raw():
                at = now()
                buffer += chunk.replace(b"\r\n", b"\n")
                *frames, buffer = buffer.split(b"\n\n")
                for frame in frames:
                    self._frame(frame, at)

    def _frame(self, frame: bytes, at: float) -> None:
        event, data, event_id = b"message", b"", None
        for line in frame.split(b"\n"):
            name, _, value = line.partition(b":")
            value = value.removeprefix(b" ")
            if name == b"event":
                event = value
            elif name == b"data":
                data = value
            elif name == b"id":
                event_id = value.decode()
        if event == b"ready":
            self.ready.set()
        elif event == b"notification":
            if event_id:
                self.last_id = event_id
            with contextlib.suppress(ValueError, KeyError, TypeError):
                self.receipts.seen(orjson.loads(data)["fields"]["product"], at)


# -- senders ----------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def sse_clients(stack: BenchStack, shops: list[str], receipts: Receipts) -> Any:
    async with httpx.AsyncClient(
        timeout=httpx.Timeout(5, read=None),
        limits=httpx.Limits(max_connections=len(shops) + 4),
    ) as client:
        clients = [
            SSEClient(client, f"{stack.url}/v1/storefront/{shop}/stream", receipts)
            for shop in shops
        ]
        for sse in clients:
            sse.start()
        try:
            async with asyncio.timeout(15):
                await asyncio.gather(*(sse.ready.wait() for sse in clients))
            yield clients
        finally:
            for sse in clients:
                await sse.stop()
