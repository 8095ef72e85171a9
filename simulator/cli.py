"""`proofstream simulate`: play Shopify, sending signed orders for one or more shops."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import httpx
import structlog

from simulator.orders import OrderFactory
from simulator.webhooks import WebhookSender

__all__ = ["simulate"]

log = structlog.get_logger("proofstream.simulator")


def _report(order: dict[str, Any], result: httpx.Response | Exception) -> None:
    if isinstance(result, Exception):
        log.warning("delivery_failed", order=order.get("name"), error=str(result))
    elif result.is_success:
        log.info("delivered", order=order.get("name"), status=result.status_code)
    else:
        log.warning("delivery_refused", order=order.get("name"), status=result.status_code)


async def simulate(
    *,
    endpoint: str,
    secret: str,
    shops: Sequence[str],
    rate: float,
    count: int | None,
    seed: int | None,
) -> int:
    """Send `rate` orders/s in all (shared across shops) until `count` each or Ctrl-C."""
    async with httpx.AsyncClient(timeout=10) as client:
        sender = WebhookSender(client=client, endpoint=endpoint, secret=secret)
        runs = [
            sender.run(
                factory=OrderFactory(seed=None if seed is None else seed + i, shop=shop),
                rate=rate / len(shops),
                count=count,
                on_result=_report,
            )
            for i, shop in enumerate(shops)
        ]
        delivered = sum(await asyncio.gather(*runs))
    log.info("simulation_done", delivered=delivered)
    return 0
