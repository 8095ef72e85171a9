"""`ShopSettingsChanged` → Redis: current settings for the dashboard and the widget config."""

from __future__ import annotations

import orjson
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from agents.errors import SinkUnavailable
from schemas import ShopSettingsChanged
from streams.redis import config_key, settings_key

__all__ = ["SettingsProjector"]


class SettingsProjector:
    """Idempotent: writing the same change twice leaves the same values."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def project(self, change: ShopSettingsChanged) -> None:
        settings = change.settings
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.set(settings_key(change.shop), orjson.dumps(settings.model_dump(mode="json")))
                pipe.set(
                    config_key(change.shop),
                    orjson.dumps(settings.widget_config().model_dump(mode="json")),
                )
                await pipe.execute()
        except (RedisConnectionError, RedisTimeoutError) as exc:
            raise SinkUnavailable(f"Redis: {exc}") from exc
