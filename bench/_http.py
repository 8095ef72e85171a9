"""The benches' HTTP client side: webhook requests signed like Shopify signs them, built
ahead of a timed phase or sent open loop until accepted, and a minimal HTTP/1.1 keep-alive
client on raw asyncio streams.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson

from simulator.orders import OrderFactory
from simulator.webhooks import headers as shopify_headers

if TYPE_CHECKING:  # _stack re-exports this module's names
    from bench._stack import BenchStack

__all__ = [
    "ACCEPTED",
    "ConnectionPool",
    "HttpConnection",
    "OrderFlow",
    "build_request",
    "generate_orders",
    "outcome",
    "shares",
]


def build_request(
    *, host: str, port: int, path: str, body: bytes, secret: str, shop: str, topic: str
) -> bytes:
    """One complete HTTP/1.1 keep-alive POST, signed like Shopify signs it."""
    head = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(body)}"]
    for name, value in shopify_headers(secret=secret, body=body, topic=topic, shop=shop).items():
        head.append(f"{name}: {value}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("utf-8") + body


class HttpConnection:
    """A minimal HTTP/1.1 keep-alive client connection on asyncio streams: one request at a
    time, responses with Content-Length (all the gateway's JSON answers have one)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, host: str, port: int) -> HttpConnection:
        reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
        return cls(reader, writer)

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        """Send a pre-built request; returns (status, body)."""
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
                break
        body = await self.reader.readexactly(length) if length else b""
        return status, body

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()


class ConnectionPool:
    """`size` keep-alive connections to the gateway, handed out one request at a time.

    Uvicorn closes connections idle for 5 s: `refresh()` right before a timed phase."""

    def __init__(self, host: str, port: int, size: int) -> None:
        self.host, self.port, self.size = host, port, size
        self.idle: asyncio.Queue[HttpConnection] = asyncio.Queue()

    async def start(self) -> None:
        for _ in range(self.size):
            self.idle.put_nowait(await HttpConnection.open(self.host, self.port))

    async def refresh(self) -> None:
        await self.close()
        await self.start()

    async def send(self, raw: bytes) -> tuple[int, bytes]:
        """One pre-built request; returns status and body. A failed connection is replaced."""
        conn = await self.idle.get()
        try:
            status, body = await conn.request(raw)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            await conn.close()
            self.idle.put_nowait(await HttpConnection.open(self.host, self.port))
            raise
        self.idle.put_nowait(conn)
        return status, body

    async def close(self) -> None:
        while not self.idle.empty():
            await self.idle.get_nowait().close()


def outcome(status: int, body: bytes) -> str:
    """`200:accepted`, `200:duplicate`, `503`...: a 200 alone does not mean produced (the
    gateway also answers 200 to duplicates and ignored topics)."""
    if status != 200:
        return str(status)
    try:
        return f"200:{orjson.loads(body).get('status')}"
    except (orjson.JSONDecodeError, AttributeError):
        return "200:?"


ACCEPTED = ("200:accepted", "200:duplicate")  # a duplicate answers a retry already produced


class OrderFlow:
    """Plays Shopify for a bench, open loop: order `seq` goes to shop `seq % len(shops)`
    with its first line item titled `title(seq)` (called as it is sent), and is retried
    every `retry_s` with the same webhook id until a 200 (up to `attempts` times). Keeps
    what was accepted, per shop, and every answer."""

    def __init__(
        self,
        stack: BenchStack,
        shops: list[str],
        *,
        connections: int,
        title: Callable[[int], str],
        retry_s: float = 0.5,
        attempts: int = 240,
    ) -> None:
        self.stack = stack
        self.shops = shops
        self.pool = ConnectionPool(stack.host, stack.port, connections)
        self.factories = [OrderFactory(shop=shop) for shop in shops]  # unseeded: fresh ids
        self.title = title
        self.retry_s, self.attempts = retry_s, attempts
        self.accepted: dict[str, list[int]] = {shop: [] for shop in shops}
        self.answers: Counter[str] = Counter()  # of every attempt
        self.given_up = 0
        self.next_seq = 0
        self._tasks: set[asyncio.Task[None]] = set()

    def send(self) -> None:
        """The next order, now (in a task of its own)."""
        task = asyncio.create_task(self._deliver(self.next_seq))
        self.next_seq += 1
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, seq: int) -> None:
        factory = self.factories[seq % len(self.factories)]
        order = factory.order()
        order["line_items"][0]["title"] = self.title(seq)
        request = build_request(
            host=self.stack.host,
            port=self.stack.port,
            path="/webhooks/shopify",
            body=factory.body(order),
            secret=self.stack.secret,
            shop=factory.shop,
            topic="orders/create",
        )
        for _ in range(self.attempts):
            try:
                answer = outcome(*await self.pool.send(request))
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                answer = type(exc).__name__
            self.answers[answer] += 1
            if answer in ACCEPTED:
                self.accepted[factory.shop].append(seq)
                return
            await asyncio.sleep(self.retry_s)
        self.given_up += 1

    async def flow(self, rate: float, seconds: float) -> None:
        """`rate` orders/s for `seconds`, each at its scheduled time (late ones at once)."""
        interval, start, total = 1 / rate, time.perf_counter(), round(rate * seconds)
        for n in range(total):
            await asyncio.sleep(max(0.0, start + n * interval - time.perf_counter()))
            self.send()

    async def settle(self) -> None:
        """Wait for every order's last attempt, then close the connections."""
        while self._tasks:
            await asyncio.gather(*self._tasks)
        await self.pool.close()

    @property
    def accepted_count(self) -> int:
        return sum(len(seqs) for seqs in self.accepted.values())

    def report(self) -> dict[str, Any]:
        return {
            "sent": self.next_seq,
            "accepted": self.accepted_count,
            "given_up": self.given_up,
            "answers": dict(self.answers),
            "non_200_answers": sum(
                v for k, v in self.answers.items() if k[:1].isdigit() and k[:3] != "200"
            ),
            "transport_errors": sum(v for k, v in self.answers.items() if not k[:1].isdigit()),
        }


def _generate(job: tuple[str, int, str, list[str], int]) -> tuple[list[bytes], int]:
    host, port, secret, shops, count = job
    factories = [OrderFactory(shop=shop) for shop in shops]  # unseeded: fresh order ids
    out, size = [], 0
    for i in range(count):
        factory = factories[i % len(factories)]
        body = factory.body(factory.order())
        size += len(body)
        out.append(
            build_request(
                host=host,
                port=port,
                path="/webhooks/shopify",
                body=body,
                secret=secret,
                shop=factory.shop,
                topic="orders/create",
            )
        )
    return out, size


def shares(total: int, parts: int) -> list[int]:
    """`total` split into `parts` counts that differ by at most one (the first get more)."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def generate_orders(
    stack: BenchStack, count: int, *, shops: int, processes: int = 2
) -> tuple[list[bytes], int]:
    """`count` distinct signed `orders/create` requests over `shops` fresh shops (each
    process its own shops, so order ids never collide); returns them and the mean body size.
    Call before any event loop runs (it forks)."""
    per = shares(count, processes)
    names = [f"bench-{uuid.uuid4().hex[:8]}.myshopify.com" for _ in range(max(shops, processes))]
    jobs = [
        (stack.host, stack.port, stack.secret, names[i::processes], n) for i, n in enumerate(per)
    ]
    with concurrent.futures.ProcessPoolExecutor(processes) as pool:
        results = list(pool.map(_generate, jobs))
    requests = [r for chunk, _ in results for r in chunk]
    total = sum(size for _, size in results)
    return requests, round(total / max(1, count))
