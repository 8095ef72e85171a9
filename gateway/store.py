"""The gateway's one door to Redis: what it reads (widget config, settings, the replay
stream, whether a shop may stream) and the little it writes of its own (OAuth state, the
shop's widget key at install). Redis errors, and those of the database reads beside it
(`database_errors`), leave as `StoreUnavailable` (503)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.exc import InterfaceError, OperationalError

from gateway.errors import StoreUnavailable
from streams.redis import (
    config_key,
    deliveries_key,
    oauth_state_key,
    settings_key,
    stream_key,
    uninstalled_key,
    widget_key_key,
)

__all__ = ["ReplayEntry", "ShopGate", "Store", "database_errors", "redis_errors"]

_RETRY = "temporarily unavailable, retry shortly"


@asynccontextmanager
async def redis_errors() -> AsyncIterator[None]:
    """Any Redis failure becomes `StoreUnavailable`."""
    try:
        yield
    except RedisError as exc:
        raise StoreUnavailable(_RETRY) from exc


@asynccontextmanager
async def database_errors() -> AsyncIterator[None]:
    """The database being away (or locked past its busy timeout) becomes `StoreUnavailable`."""
    try:
        yield
    except (OperationalError, InterfaceError, OSError) as exc:
        raise StoreUnavailable(_RETRY) from exc


@dataclass(frozen=True)
class ShopGate:
    """What decides whether a storefront may read a shop's popups."""

    uninstalled: bool
    widget_key: str | None


@dataclass(frozen=True)
class ReplayEntry:
    """One entry of a shop's replay stream."""

    stream_id: bytes
    notification_id: bytes
    payload: bytes


def _text(value: bytes | str | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def _bytes(value: bytes | str | None) -> bytes | None:
    return value.encode() if isinstance(value, str) else value


class Store:
    """Typed reads and writes over the gateway's Redis connection pool."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def gate(self, shop: str) -> ShopGate:
        async with redis_errors():
            uninstalled, key = await self.redis.mget(uninstalled_key(shop), widget_key_key(shop))
        return ShopGate(uninstalled=bool(uninstalled), widget_key=_text(key))

    async def widget_config(self, shop: str) -> tuple[bytes | None, ShopGate]:
        """The shop's projected public config (None before its first save), and its gate."""
        async with redis_errors():
            config, uninstalled, key = await self.redis.mget(
                config_key(shop), uninstalled_key(shop), widget_key_key(shop)
            )
        return _bytes(config), ShopGate(uninstalled=bool(uninstalled), widget_key=_text(key))

    async def settings(self, shop: str) -> bytes | None:
        """The shop's projected `ShopSettings` JSON (None before its first save)."""
        async with redis_errors():
            return _bytes(await self.redis.get(settings_key(shop)))

    async def replay(self, shop: str, *, after: str, count: int) -> list[ReplayEntry]:
        """Entries after the stream id `after` (exclusive), oldest first."""
        async with redis_errors():
            entries = await self.redis.xrange(stream_key(shop), min=f"({after}", count=count)
        return _entries(entries)

    async def latest(self, shop: str, *, count: int) -> list[ReplayEntry]:
        """The newest `count` entries, oldest first."""
        async with redis_errors():
            entries = await self.redis.xrevrange(stream_key(shop), count=count)
        return _entries(reversed(entries or ()))

    async def set_widget_key(self, shop: str, key: str) -> None:
        async with redis_errors():
            await self.redis.set(widget_key_key(shop), key)

    async def claim_oauth_state(self, state: str, *, ttl_s: int) -> bool:
        """True the first time a state is used (install callbacks are single use)."""
        async with redis_errors():
            return bool(await self.redis.set(oauth_state_key(state), b"1", nx=True, ex=ttl_s))

    async def last_deliveries(self, shop: str) -> dict[str, datetime]:
        """When the worker last received each Shopify topic for the shop."""
        async with redis_errors():
            found = await self.redis.hgetall(deliveries_key(shop))
        return {_text(t) or "": datetime.fromisoformat(_text(at) or "") for t, at in found.items()}

    async def ready(self) -> bool:
        try:
            return bool(await self.redis.ping())
        except RedisError:
            return False


def _entries(entries: Iterable[Any] | None) -> list[ReplayEntry]:
    return [
        ReplayEntry(raw_id, nid, payload)
        for raw_id, fields in entries or ()
        if isinstance(raw_id, bytes)
        and isinstance(nid := (fields or {}).get(b"i"), bytes)
        and isinstance(payload := (fields or {}).get(b"n"), bytes)
    ]
