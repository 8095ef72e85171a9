"""Notifications → Redis: append to the shop's capped replay stream and publish live, once;
and take popups down (retracted, hidden, deleted, redacted) or put one back (shown)."""

from __future__ import annotations

import orjson
from redis.asyncio import Redis

from agents.errors import redis_errors
from schemas import Notification, NotificationChanged
from streams.redis import (
    NO_TRACE,
    PUBLISH_SCRIPT,
    REPLAY_SCRIPT,
    RETRACT_SCRIPT,
    channel,
    seen_key,
    stream_key,
)

__all__ = ["Publisher"]


class Publisher:
    """Idempotent sink: a notification id already published is skipped, atomically."""

    def __init__(self, redis: Redis, *, maxlen: int, seen_ttl_s: int = 7 * 24 * 3600) -> None:
        self._publish = redis.register_script(PUBLISH_SCRIPT)
        self._retract = redis.register_script(RETRACT_SCRIPT)
        self._replay = redis.register_script(REPLAY_SCRIPT)
        self._maxlen = maxlen
        self._seen_ttl_s = seen_ttl_s

    async def publish(self, notification: Notification, *, trace: str | None = None) -> str | None:
        """The new stream id, or None when this notification was published before. `trace`
        (a W3C traceparent) travels with the live message to the gateways' fan-out."""
        shop = notification.shop
        payload = orjson.dumps(notification.public().model_dump(mode="json"))
        async with redis_errors():
            stream_id = await self._publish(
                keys=[seen_key(shop, notification.id), stream_key(shop)],
                args=[
                    payload,
                    self._maxlen,
                    channel(shop),
                    self._seen_ttl_s,
                    notification.id,
                    trace or NO_TRACE,
                ],
            )
        if stream_id is None:
            return None
        return stream_id.decode() if isinstance(stream_id, bytes) else str(stream_id)

    async def change(self, change: NotificationChanged) -> int:
        """Apply a change to the replay stream and live pages; returns the entries touched."""
        shop = change.shop
        async with redis_errors():
            if change.status != "shown":
                return int(
                    await self._retract(keys=[stream_key(shop)], args=[channel(shop), *change.ids])
                )
            if change.public is None:
                return 0
            payload = orjson.dumps(change.public.model_dump(mode="json"))
            added = await self._replay(
                keys=[stream_key(shop)], args=[change.public.id, payload, self._maxlen]
            )
            return 0 if added is None else 1
