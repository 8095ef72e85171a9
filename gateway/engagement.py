"""Engagement tracking, per gateway process: how many SSE clients each notification was
written to (one dict update per broadcast, not per client), and the impressions, hovers
and clicks storefronts report (`gateway/interactions.py`); reported to the engagement
topic every few seconds, one report per shop. The worker adds the reports up per
notification and per day. A report the broker does not take is kept and merged into the
next one.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections import Counter
from collections.abc import Callable
from datetime import datetime

import structlog

from gateway.errors import BrokerUnavailable
from gateway.producer import EnvelopeProducer
from schemas import EngagementCounts
from schemas.engagement import EngagementKind
from streams.topics import ENGAGEMENT

__all__ = ["DeliveryCounter"]

log = structlog.get_logger("proofstream.gateway.engagement")


class DeliveryCounter:
    """Start it in the lifespan; `stop` reports what is left."""

    def __init__(
        self,
        producer: EnvelopeProducer,
        *,
        every_s: float,
        clock: Callable[[], datetime],
    ) -> None:
        self._producer = producer
        self._every_s = every_s
        self._clock = clock
        self._source = f"{socket.gethostname()}:{os.getpid()}"
        self._counts: dict[str, dict[EngagementKind, Counter[str]]] = {}
        self._task: asyncio.Task[None] | None = None

    def delivered(self, shop: str, notification_id: str, clients: int) -> None:
        """`clients` SSE clients were just written the notification."""
        self.count(shop, "delivered", notification_id, clients)

    def count(self, shop: str, kind: EngagementKind, notification_id: str, n: int = 1) -> None:
        kinds = self._counts.get(shop)
        if kinds is None:
            kinds = self._counts[shop] = {}
        counts = kinds.get(kind)
        if counts is None:
            counts = kinds[kind] = Counter()
        counts[notification_id] += n

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="delivery-counter")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.flush()

    async def flush(self) -> None:
        """Report every shop's counts; those the broker refuses wait for the next flush."""
        pending, self._counts = self._counts, {}
        until = self._clock()
        for shop, kinds in pending.items():
            report = EngagementCounts.model_validate(
                {"shop": shop, "source": self._source, "until": until}
                | {kind: dict(counts) for kind, counts in kinds.items()}
            )
            try:
                await self._producer.send(ENGAGEMENT, key=shop, value=report.to_json())
            except BrokerUnavailable as exc:
                log.warning("engagement_not_reported", shop=shop, error=str(exc))
                for kind, counts in kinds.items():
                    for nid, count in counts.items():
                        self.count(shop, kind, nid, count)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._every_s)
            await self.flush()
