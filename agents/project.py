"""Settings and lifecycle events → Redis, where the gateway reads them (dashboard, widget
config, whether a shop may stream at all)."""

from __future__ import annotations

import orjson
from redis.asyncio import Redis

from agents.errors import redis_errors
from schemas import ShopLifecycle, ShopSettingsChanged
from streams.redis import (
    CONTROL_UNINSTALLED,
    channel,
    config_key,
    settings_key,
    shop_keys,
    uninstalled_key,
)

__all__ = ["Projector"]


class Projector:
    """Idempotent: projecting the same event twice leaves the same keys."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def settings(self, change: ShopSettingsChanged) -> None:
        settings = change.settings
        async with redis_errors(), self._redis.pipeline(transaction=True) as pipe:
            pipe.set(settings_key(change.shop), orjson.dumps(settings.model_dump(mode="json")))
            pipe.set(
                config_key(change.shop),
                orjson.dumps(settings.widget_config().model_dump(mode="json")),
            )
            await pipe.execute()

    async def lifecycle(self, event: ShopLifecycle) -> int:
        """Apply one lifecycle event; returns how many keys were deleted (redaction)."""
        shop = event.shop
        async with redis_errors():
            if event.kind == "installed":
                await self._redis.delete(uninstalled_key(shop))
                return 0
            await self._redis.set(uninstalled_key(shop), event.kind)
            # Live clients get a final event and are closed (gateway.fanout).
            await self._redis.publish(channel(shop), CONTROL_UNINSTALLED)
            if event.kind == "uninstalled":
                return 0
            keys = [key async for key in self._redis.scan_iter(match=shop_keys(shop), count=500)]
            return int(await self._redis.delete(*keys)) if keys else 0
