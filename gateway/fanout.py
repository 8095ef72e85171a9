"""One Redis pub/sub connection per gateway process, fanned out to every SSE client.

A shop's channel is subscribed when its first client arrives and unsubscribed when its
last one leaves. Each message is framed once, as one ASGI message, and written to every
client of the shop in one pass (`gateway/sse.py` says why that pass is cheap); how many
clients got it is counted once per broadcast (`gateway.engagement`). One timer pings
every client, so idle connections survive proxies and dead ones are found.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Callable

import orjson
import structlog
from opentelemetry import propagate
from opentelemetry.trace import SpanKind, Tracer
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError
from starlette.types import Send

from gateway.engagement import DeliveryCounter
from gateway.metrics import SSE_CLIENTS, SSE_DELIVERED
from gateway.sse import Frame, SSEClient, parse_stream_id
from streams.redis import (
    CONTROL_RETRACT,
    CONTROL_UNINSTALLED,
    NO_TRACE,
    LiveMessage,
    channel,
    parse_live_message,
    shop_of_channel,
)

__all__ = ["Fanout", "GOODBYE", "notification_frame", "PING", "retract_frame"]

log = structlog.get_logger("proofstream.gateway.fanout")

# The last frame a shop's clients get when it uninstalls the app; the widget then stops.
GOODBYE = b'event: goodbye\ndata: {"reason":"uninstalled"}\n\n'
PING = Frame.of(b": ping\n\n")


def reconnect_hint(*, low_ms: int = 1000, high_ms: int = 5000) -> bytes:
    """An SSE `retry:` field: how long the browser waits before reconnecting."""
    return b"retry: %d\n\n" % random.randint(low_ms, high_ms)  # noqa: S311 - not a secret


def notification_frame(stream_id: bytes, payload: bytes) -> bytes:
    """The SSE frame of one notification (payload is single-line JSON)."""
    return b"id: " + stream_id + b"\nevent: notification\ndata: " + payload + b"\n\n"


def retract_frame(notification_id: str) -> bytes:
    """Take a popup down: the widget removes it if it is on screen or waiting."""
    return b"event: retract\ndata: " + orjson.dumps({"id": notification_id}) + b"\n\n"


class Fanout:
    """Shared subscription manager; start it in the lifespan, stop it on shutdown."""

    def __init__(
        self,
        redis: Redis,
        *,
        deliveries: DeliveryCounter,
        backlog: int,
        send_timeout: float,
        ping: float,
        tracer: Tracer | None = None,
    ) -> None:
        self._tracer = tracer
        self._pubsub: PubSub = redis.pubsub(ignore_subscribe_messages=True)
        self.deliveries = deliveries
        self._backlog = backlog
        self._send_timeout = send_timeout
        self._ping = ping
        self._shops: dict[str, set[SSEClient]] = {}
        self._active = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def channels(self) -> int:
        """How many shop channels this process is subscribed to now."""
        return len(self._shops)

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._read(), name="fanout-reader"),
            asyncio.create_task(self._pinger(), name="fanout-pinger"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.end_all()
        await self._pubsub.aclose()

    def end_all(self) -> None:
        """End every stream now, each with a retry hint spread over a few seconds, so the
        browsers come back (to this process's successor, or another gateway) in a trickle
        rather than all in the same millisecond; they resume with Last-Event-ID."""
        for clients in self._shops.values():
            for client in clients:
                client.end(reconnect_hint())

    @contextlib.asynccontextmanager
    async def subscribe(
        self, shop: str, send: Send, *, on_stall: Callable[[], object]
    ) -> AsyncIterator[SSEClient]:
        """Register a client for the duration of the block.

        The client starts held: live frames queue until `client.release()`, so the caller
        can replay stored frames first without a gap or a repeat.
        """
        client = SSEClient(
            send, backlog=self._backlog, send_timeout=self._send_timeout, on_stall=on_stall
        )
        clients = self._shops.get(shop)
        first = clients is None
        if clients is None:
            clients = self._shops[shop] = set()
        clients.add(client)
        SSE_CLIENTS.inc()
        try:
            if first:
                await self._pubsub.subscribe(channel(shop))
                self._active.set()
            yield client
        finally:
            client.cancel()
            SSE_CLIENTS.dec()
            clients.discard(client)
            if not clients and self._shops.get(shop) is clients:
                del self._shops[shop]
                if not self._shops:
                    self._active.clear()
                with contextlib.suppress(RedisError):
                    await self._pubsub.unsubscribe(channel(shop))

    async def _read(self) -> None:
        while True:
            await self._active.wait()
            try:
                message = await self._pubsub.get_message(timeout=1.0)
            except RedisError as exc:
                log.warning("fanout_redis_error", error=str(exc))
                # What is published while the subscription is down reaches the replay
                # stream, not us: end every stream, so browsers reconnect with
                # Last-Event-ID and replay it (redis-py resubscribes on reconnecting).
                self.end_all()
                await asyncio.sleep(1.0)
                continue
            if message is not None and message["type"] == "message":
                self._dispatch(message["channel"], message["data"])

    def _dispatch(self, raw_channel: bytes, data: bytes) -> None:
        shop = shop_of_channel(raw_channel.decode())
        clients = self._shops.get(shop)
        if not clients:
            return
        if data == CONTROL_UNINSTALLED:
            for client in clients:
                client.end(GOODBYE)
            return
        if data.startswith(CONTROL_RETRACT):
            retracted = data.removeprefix(CONTROL_RETRACT).strip()
            self._broadcast(clients, Frame.of(retract_frame(retracted.decode())))
            return
        message = parse_live_message(data)
        stream_id = parse_stream_id(message.stream_id) if message else None
        if message is None or stream_id is None:
            return
        with self._span(message, shop=shop, clients=len(clients)):
            frame = Frame.of(notification_frame(message.stream_id, message.payload), stream_id)
            self._broadcast(clients, frame)
        self.deliveries.delivered(shop, message.notification_id.decode(), len(clients))
        SSE_DELIVERED.inc(len(clients))

    def _span(
        self, message: LiveMessage, *, shop: str, clients: int
    ) -> contextlib.AbstractContextManager[object]:
        # The last span of an order's trace, a child of the worker's `publish`.
        if self._tracer is None or message.traceparent == NO_TRACE.encode():
            return contextlib.nullcontext()
        parent = propagate.extract({"traceparent": message.traceparent.decode()})
        return self._tracer.start_as_current_span(
            "sse broadcast",
            context=parent,
            kind=SpanKind.CONSUMER,
            attributes={
                "proofstream.shop": shop,
                "proofstream.notification_id": message.notification_id.decode(),
                "proofstream.sse_clients": clients,
            },
        )

    @staticmethod
    def _broadcast(clients: set[SSEClient], frame: Frame) -> None:
        for client in clients:
            client.write(frame)

    async def _pinger(self) -> None:
        while True:
            await asyncio.sleep(self._ping)
            for clients in self._shops.values():
                for client in clients:
                    client.write(PING)
