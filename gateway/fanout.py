"""One Redis pub/sub connection per gateway process, fanned out to every SSE client.

A shop's channel is subscribed when its first client arrives and unsubscribed when
its last one leaves. Each message is framed once and the same bytes are queued to
every client; a client whose bounded queue is full is told to go (it reconnects
with Last-Event-ID and replays), so one slow reader never holds up the others.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import structlog
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from gateway.metrics import SSE_CLIENTS, SSE_DELIVERED, SSE_DROPPED
from streams.redis import CONTROL_UNINSTALLED, channel, shop_of_channel

__all__ = ["Fanout", "Frame", "StreamId", "Subscriber", "notification_frame", "parse_stream_id"]

log = structlog.get_logger("proofstream.gateway.fanout")

StreamId = tuple[int, int]


def parse_stream_id(value: str | bytes | None) -> StreamId | None:
    """`"1700000000000-3"` → `(1700000000000, 3)`; None for anything else."""
    if value is None:
        return None
    text = value.decode() if isinstance(value, bytes) else value
    ms, sep, seq = text.strip().partition("-")
    if not (sep and ms.isdigit() and seq.isdigit()):
        return None
    return int(ms), int(seq)


def notification_frame(stream_id: bytes, payload: bytes) -> bytes:
    """The SSE frame of one notification (payload is single-line JSON)."""
    return b"id: " + stream_id + b"\nevent: notification\ndata: " + payload + b"\n\n"


@dataclass(frozen=True, slots=True)
class Frame:
    """One pre-encoded SSE frame, shared by all clients of a shop."""

    stream_id: StreamId
    data: bytes


# The last frame a shop's clients get when it uninstalls the app; the widget then stops.
GOODBYE = Frame((2**63, 0), b'event: goodbye\ndata: {"reason":"uninstalled"}\n\n')


@dataclass(eq=False)
class Subscriber:
    """One SSE client's bounded queue; `None` in the queue means "fell behind, go"."""

    shop: str
    queue: asyncio.Queue[Frame | None]
    dropped: bool = field(default=False)

    async def __aiter__(self) -> AsyncIterator[Frame]:
        while (frame := await self.queue.get()) is not None:
            yield frame


class Fanout:
    """Shared subscription manager; start it in the lifespan, stop it on shutdown."""

    def __init__(self, redis: Redis, *, queue_size: int) -> None:
        self._pubsub: PubSub = redis.pubsub(ignore_subscribe_messages=True)
        self._queue_size = queue_size
        self._shops: dict[str, set[Subscriber]] = {}
        self._active = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None

    @property
    def channels(self) -> int:
        """How many shop channels this process is subscribed to now."""
        return len(self._shops)

    async def start(self) -> None:
        self._reader = asyncio.create_task(self._read(), name="fanout-reader")

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        for subscribers in self._shops.values():
            for subscriber in subscribers:
                _close(subscriber)
        await self._pubsub.aclose()  # type: ignore[no-untyped-call]

    @contextlib.asynccontextmanager
    async def subscribe(self, shop: str) -> AsyncIterator[Subscriber]:
        """Receive the shop's live frames for the duration of the block."""
        subscriber = Subscriber(shop=shop, queue=asyncio.Queue(self._queue_size + 2))
        subscribers = self._shops.get(shop)
        first = subscribers is None
        if subscribers is None:
            subscribers = self._shops[shop] = set()
        subscribers.add(subscriber)
        SSE_CLIENTS.inc()
        try:
            if first:
                await self._pubsub.subscribe(channel(shop))
                self._active.set()
            yield subscriber
        finally:
            SSE_CLIENTS.dec()
            subscribers.discard(subscriber)
            if not subscribers and self._shops.get(shop) is subscribers:
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
                await asyncio.sleep(1.0)
                continue
            if message is not None and message["type"] == "message":
                self._dispatch(message["channel"], message["data"])

    def _dispatch(self, raw_channel: bytes, data: bytes) -> None:
        shop = shop_of_channel(raw_channel.decode())
        subscribers = self._shops.get(shop)
        if data == CONTROL_UNINSTALLED:
            for subscriber in subscribers or ():
                _close(subscriber, final=GOODBYE)
            return
        raw_id, _, payload = data.partition(b" ")
        stream_id = parse_stream_id(raw_id)
        if not subscribers or stream_id is None:
            return
        frame = Frame(stream_id, notification_frame(raw_id, payload))
        for subscriber in subscribers:
            if subscriber.dropped:
                continue
            if subscriber.queue.qsize() >= self._queue_size:
                _close(subscriber)
                SSE_DROPPED.inc()
                continue
            subscriber.queue.put_nowait(frame)
        SSE_DELIVERED.inc(len(subscribers))


def _close(subscriber: Subscriber, *, final: Frame | None = None) -> None:
    # The queue has two slots beyond queue_size, kept free for a final frame and the sentinel.
    if not subscriber.dropped:
        subscriber.dropped = True
        if final is not None:
            subscriber.queue.put_nowait(final)
        subscriber.queue.put_nowait(None)
