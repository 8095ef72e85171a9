"""`Notification` → Redis: append to the shop's capped stream and publish it live, once."""

from __future__ import annotations

import orjson
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from agents.errors import SinkUnavailable
from schemas import Notification
from streams.redis import PUBLISH_SCRIPT, channel, seen_key, stream_key

__all__ = ["Publisher"]


class Publisher:
    """Idempotent sink: a notification id already published is skipped, atomically."""

    def __init__(self, redis: Redis, *, maxlen: int, seen_ttl_s: int = 7 * 24 * 3600) -> None:
        self._script = redis.register_script(PUBLISH_SCRIPT)
        self._maxlen = maxlen
        self._seen_ttl_s = seen_ttl_s

    async def publish(self, notification: Notification) -> str | None:
        """The new stream id, or None when this notification was published before."""
        shop = notification.shop
        payload = orjson.dumps(notification.public().model_dump(mode="json"))
        try:
            stream_id = await self._script(
                keys=[seen_key(shop, notification.id), stream_key(shop)],
                args=[payload, self._maxlen, channel(shop), self._seen_ttl_s],
            )
        except (RedisConnectionError, RedisTimeoutError) as exc:
            raise SinkUnavailable(f"Redis: {exc}") from exc
        if stream_id is None:
            return None
        return stream_id.decode() if isinstance(stream_id, bytes) else str(stream_id)
