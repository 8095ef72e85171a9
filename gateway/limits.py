"""Caps per gateway process: the SSE connections it holds, per client address (behind a
trusted proxy, uvicorn puts the forwarded address in the scope) and per shop, so one
client or one shop cannot take the connections every other storefront needs; and the
rate of storefront events (impressions, clicks) per client address and shop."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from gateway.errors import TooManyRequests
from gateway.metrics import SSE_REFUSED

__all__ = ["ConnectionLimits", "EventRate"]


class ConnectionLimits:
    """`hold` a connection for as long as it streams; over a cap it raises 429."""

    def __init__(self, *, per_client: int, per_shop: int, retry_after_s: int = 10) -> None:
        self._per_client = per_client
        self._per_shop = per_shop
        self._retry_after = str(retry_after_s)
        self._clients: Counter[str] = Counter()
        self._shops: Counter[str] = Counter()

    @contextmanager
    def hold(self, client: str, shop: str) -> Iterator[None]:
        if self._clients[client] >= self._per_client:
            SSE_REFUSED.labels("client").inc()
            raise TooManyRequests("too many open streams from this address", self._retry_after)
        if self._shops[shop] >= self._per_shop:
            SSE_REFUSED.labels("shop").inc()
            raise TooManyRequests("too many open streams for this shop", self._retry_after)
        self._clients[client] += 1
        self._shops[shop] += 1
        try:
            yield
        finally:
            for counts, key in ((self._clients, client), (self._shops, shop)):
                counts[key] -= 1
                if not counts[key]:
                    del counts[key]


class EventRate:
    """At most `per_minute` storefront events per client address and shop in each minute
    (a fixed window: the counts start again every minute); over it, 429."""

    def __init__(self, *, per_minute: int, clock: Callable[[], float]) -> None:
        self._per_minute = per_minute
        self._clock = clock
        self._window = -1
        self._counts: Counter[tuple[str, str]] = Counter()

    def take(self, client: str, shop: str) -> None:
        window = int(self._clock() // 60)
        if window != self._window:
            self._window, self._counts = window, Counter()
        if self._counts[client, shop] >= self._per_minute:
            retry_after = str(60 - int(self._clock() % 60))
            raise TooManyRequests("too many events from this address for this shop", retry_after)
        self._counts[client, shop] += 1
