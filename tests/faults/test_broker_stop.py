"""The broker frozen for 30 s while orders flow (SIGSTOP: its connections stay open and
silent, the hardest case for a client): every webhook is answered within the produce
timeout, 503 while the broker is away (never 200 for an event not produced, never a hang
past Shopify's 5 s), and Shopify's retries afterwards are shown once."""

import asyncio
import signal
from collections import Counter

import pytest

from simulator.balancer import Balancer
from simulator.shopper import shopping
from tests.faults.cluster import Cluster, send_orders, titles
from tests.fixtures import eventually

pytestmark = pytest.mark.integration

PRODUCE_TIMEOUT_S = 2.0  # PROOFSTREAM_PRODUCE_TIMEOUT_S' default


async def test_a_stopped_broker_gets_503_in_time_and_loses_nothing(
    cluster: Cluster, shop: str
) -> None:
    url = await cluster.started()
    balancer = Balancer([url])
    async with shopping(f"{url}/v1/storefront/{shop}/stream") as shopper:
        await eventually(lambda: shopper.connections > 0)
        sending = asyncio.create_task(send_orders(balancer, [shop], 40, every_s=0.25))
        await eventually(lambda: len(shopper.products()) >= 5, timeout=60)
        cluster.broker.signal(signal.SIGSTOP)
        try:
            await asyncio.sleep(30)
        finally:
            cluster.broker.signal(signal.SIGCONT)
        accepted = (await sending)[shop]
        await eventually(lambda: set(shopper.products()) >= set(accepted), timeout=90)
    answers = balancer.answers
    assert len([a for a in answers if a.status == 503]) >= 10, "the outage was not seen"
    assert {a.status for a in answers} <= {200, 503}
    slowest = max(a.seconds for a in answers)
    assert slowest < PRODUCE_TIMEOUT_S + 0.5, sorted(a.seconds for a in answers)[-5:]
    assert balancer.broken == []
    assert accepted == titles(40)
    assert Counter(shopper.products()) == Counter(accepted), "lost or shown twice"
