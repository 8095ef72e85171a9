"""The shape of a multi-machine deployment: two gateways behind a load balancer, two
workers in one consumer group, shops on every partition, and shoppers on both gateways.
Every shopper sees each of its shop's orders exactly once, also when a gateway, the
group's leading worker or the other worker is SIGKILLed mid-stream (the two gateways are
alike behind the balancer; shoppers of the dead one move to the other gateway and resume with
Last-Event-ID; the other worker takes the dead one's partitions after the session
timeout). How long that takes is measured by `bench/failover.py`, not here."""

import asyncio
import contextlib
import signal
from collections import Counter
from contextlib import AsyncExitStack

import pytest

from simulator.balancer import Balancer
from simulator.partitions import shops_on_every_partition
from simulator.shopper import Shopper, shopping
from tests.faults.cluster import Cluster, send_orders, titles
from tests.fixtures import eventually

pytestmark = pytest.mark.integration

ORDERS = 40


def process_named(victim: str, *, leader: str) -> str:
    """The process the parameter names: the group leader (it assigns partitions and runs
    the leader's timers) and the other worker are different cases."""
    follower = "worker-b" if leader == "worker-a" else "worker-a"
    return {"leading worker": leader, "other worker": follower}.get(victim, victim)


@pytest.mark.parametrize("victim", ["gateway-a", "leading worker", "other worker"])
async def test_a_killed_gateway_or_worker_loses_nothing_and_repeats_nothing(
    cluster: Cluster, victim: str
) -> None:
    shops = shops_on_every_partition(1)
    urls = [await asyncio.to_thread(cluster.gateway, name) for name in ("gateway-a", "gateway-b")]
    for name in ("worker-a", "worker-b"):
        cluster.worker(name)
    await cluster.settled("worker-a", "worker-b")
    victim = process_named(victim, leader=cluster.leader("worker-a", "worker-b"))
    balancer = Balancer(urls)
    async with AsyncExitStack() as pages:
        # Per shop, a shopper on each gateway (failing over to the other).
        shoppers: dict[str, list[Shopper]] = {
            shop: [
                await pages.enter_async_context(
                    shopping(f"{a}/v1/storefront/{shop}/stream", f"{b}/v1/storefront/{shop}/stream")
                )
                for a, b in (urls, urls[::-1])
            ]
            for shop in shops
        }
        everyone = [s for pair in shoppers.values() for s in pair]
        await eventually(lambda: all(s.connections for s in everyone))
        sending = asyncio.create_task(send_orders(balancer, shops, ORDERS, every_s=0.3))
        await eventually(lambda: all(len(s.products()) >= 5 for s in everyone), timeout=60)
        cluster.processes[victim].signal(signal.SIGKILL)
        accepted = await sending
        with contextlib.suppress(TimeoutError):  # the assertions below say what is missing
            await eventually(
                lambda: all(
                    set(s.products()) >= set(accepted[shop])
                    for shop, pair in shoppers.items()
                    for s in pair
                ),
                timeout=90,
            )
    assert accepted == {shop: titles(ORDERS) for shop in shops}
    for shop, pair in shoppers.items():
        for shopper in pair:
            assert Counter(shopper.products()) == Counter(accepted[shop]), (shop, shopper.urls)
