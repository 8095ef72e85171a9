"""Settings and lifecycle events → Redis, where the gateway reads them (dashboard, widget
config, whether a shop may stream at all). Redis keeps nothing on disk: when it comes back
empty, `restore` writes every shop's projections again from the worker's tables."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import orjson
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from agents.errors import redis_errors
from schemas import ShopLifecycle, ShopSettings, ShopSettingsChanged
from streams.redis import (
    CONTROL_UNINSTALLED,
    channel,
    config_key,
    deliveries_key,
    projected_key,
    settings_key,
    shop_keys,
    uninstalled_key,
)

__all__ = ["Projector"]


class Projector:
    """Idempotent: projecting the same event twice leaves the same keys."""

    def __init__(self, redis: Redis, *, instance: str) -> None:
        self._redis = redis
        self._instance = instance

    async def settings(self, change: ShopSettingsChanged) -> None:
        async with redis_errors(), self._redis.pipeline(transaction=True) as pipe:
            _set_settings(pipe, change.shop, change.settings)
            await pipe.execute()

    async def lost(self) -> bool:
        """True when Redis no longer holds what this worker projected (it restarted empty,
        or this worker just started): then `restore` it. One key per worker process,
        renewed at every check."""
        async with redis_errors():
            previous = await self._redis.set(projected_key(self._instance), b"1", ex=3600, get=True)
        return previous is None

    async def restore(
        self, settings: Mapping[str, ShopSettings], statuses: Mapping[str, ShopLifecycle]
    ) -> int:
        """Write the settings and uninstalled marks of every shop again; returns how many."""
        shops = set(settings) | set(statuses)
        async with redis_errors(), self._redis.pipeline(transaction=False) as pipe:
            for shop, current in settings.items():
                _set_settings(pipe, shop, current)
            for shop, status in statuses.items():
                if status.kind != "installed":
                    pipe.set(uninstalled_key(shop), status.kind)
            await pipe.execute()
        return len(shops)

    async def deliveries(self, latest: Mapping[str, Mapping[str, datetime]]) -> None:
        """Note, per shop and Shopify topic, when its last delivery was received (what
        `GET /api/status` shows)."""
        async with redis_errors(), self._redis.pipeline(transaction=False) as pipe:
            for shop, topics in latest.items():
                pipe.hset(
                    deliveries_key(shop), mapping={t: at.isoformat() for t, at in topics.items()}
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


def _set_settings(pipe: Pipeline, shop: str, settings: ShopSettings) -> None:
    pipe.set(settings_key(shop), orjson.dumps(settings.model_dump(mode="json")))
    pipe.set(config_key(shop), orjson.dumps(settings.widget_config().model_dump(mode="json")))
