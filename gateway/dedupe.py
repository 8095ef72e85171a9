"""Repeated webhook deliveries, caught in Redis: each delivery claims its keys atomically
(`streams.redis.CLAIM_SCRIPT`). The claims of concurrent requests leave as one pipeline
per event-loop turn: one command each cost a quarter of the gateway's CPU per webhook
(bench/RESULTS.md)."""

from __future__ import annotations

import asyncio
from typing import Any

from redis.asyncio import Redis

from gateway.store import redis_errors
from streams.redis import CLAIM_SCRIPT

__all__ = ["DEDUPE_TTL_S", "Deduper"]

DEDUPE_TTL_S = 72 * 3600  # Shopify retries a delivery for up to 48 hours


class Deduper:
    """`claim` a delivery's keys before handling it, `release` them if handling failed."""

    def __init__(self, redis: Redis, *, ttl_s: int = DEDUPE_TTL_S) -> None:
        self._redis = redis
        self._ttl_s = ttl_s
        self._batch: list[tuple[list[str], asyncio.Future[bool]]] = []
        self._sending: set[asyncio.Task[None]] = set()

    async def claim(self, keys: list[str]) -> bool:
        """True when no key was held and all are now; False for a repeat delivery.
        Raises `StoreUnavailable` when Redis fails (503: Shopify retries)."""
        loop = asyncio.get_running_loop()
        if not self._batch:
            loop.call_soon(self._flush)
        future: asyncio.Future[bool] = loop.create_future()
        self._batch.append((keys, future))
        async with redis_errors():
            return await future

    async def release(self, keys: list[str]) -> None:
        """Forget a claim whose delivery was not handled, so Shopify's retry is."""
        async with redis_errors():
            await self._redis.delete(*keys)

    def _flush(self) -> None:
        batch, self._batch = self._batch, []
        task = asyncio.ensure_future(self._send(batch))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send(self, batch: list[tuple[list[str], asyncio.Future[bool]]]) -> None:
        # EVAL, not EVALSHA: Redis caches the script by its hash either way, and a Redis
        # restarted empty never answers NOSCRIPT.
        results: list[Any]
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for keys, _ in batch:
                    pipe.eval(CLAIM_SCRIPT, len(keys), *keys, self._ttl_s)
                results = await pipe.execute(raise_on_error=False)
        except Exception as exc:  # noqa: BLE001 - handed to every waiting request
            results = [exc] * len(batch)
        abandoned: list[str] = []
        for (keys, future), result in zip(batch, results, strict=True):
            if future.cancelled():
                if result == 1:  # claimed for a request that is gone: never handled
                    abandoned.extend(keys)
            elif isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result == 1)
        if abandoned:
            await self.release(abandoned)
