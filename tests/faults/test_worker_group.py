"""Two workers in one consumer group, the way past one process's throughput: they split
the partitions between them, and every order is published once (real broker and Redis)."""

import asyncio
import re

import httpx
import pytest
from redis.asyncio import Redis

from simulator.orders import OrderFactory
from simulator.partitions import shops_on_every_partition
from streams.lag import CONSUMED
from streams.redis import stream_key
from tests.conftest import SECRET
from tests.faults.cluster import Cluster
from tests.fixtures import eventually, order_body, post_webhook

pytestmark = pytest.mark.integration

LAG_SERIES = re.compile(
    r'^proofstream_consumer_lag\{partition="(\d+)",topic="([^"]+)"\} (\S+)$', re.M
)
ALL_PARTITIONS = {(str(p), t) for t in CONSUMED for p in range(4)}


def rendered(metrics: str) -> float:
    found = re.search(
        r'^proofstream_agent_events_total\{outcome="ok",stage="render"\} (\S+)$', metrics, re.M
    )
    return float(found.group(1)) if found else 0.0


async def test_two_workers_split_the_partitions_and_publish_each_order_once(
    cluster: Cluster,
) -> None:
    shops = shops_on_every_partition(2)
    url = await asyncio.to_thread(cluster.gateway)
    for name in ("worker-a", "worker-b"):
        cluster.worker(name)
    redis = Redis.from_url(cluster.env["REDIS_URL"])

    async def lengths() -> list[int]:
        return [await redis.xlen(stream_key(shop)) for shop in shops]

    await cluster.settled("worker-a", "worker-b")
    async with httpx.AsyncClient(timeout=10) as client:
        for i, shop in enumerate(shops * 3):
            body = order_body(OrderFactory(seed=i, shop=shop), title=f"Item {i}")
            answer = await post_webhook(
                client, f"{url}/webhooks/shopify", secret=SECRET, shop=shop, body=body
            )
            assert answer.json() == {"status": "accepted"}
        # A sentinel per shop (same partition, so after its three): once each is
        # published, any second copy of the three would have been too.
        for i, shop in enumerate(shops):
            body = order_body(OrderFactory(seed=100 + i, shop=shop), title="Sentinel")
            answer = await post_webhook(
                client, f"{url}/webhooks/shopify", secret=SECRET, shop=shop, body=body
            )
            assert answer.json() == {"status": "accepted"}
        async with asyncio.timeout(60):
            while min(await lengths()) < 4:
                await asyncio.sleep(0.2)
        published = await lengths()
        counts = {
            name: rendered((await client.get(cluster.metrics_url(f"worker-{name}"))).text)
            for name in ("a", "b")
        }

        # Each worker reports the group's lag of every partition it reads: all handled.
        async def lag_series(worker: str) -> dict[tuple[str, str], float]:
            text = (await client.get(cluster.metrics_url(worker))).text
            return {(p, t): float(v) for p, t, v in LAG_SERIES.findall(text)}

        async def caught_up() -> bool:
            series = [await lag_series(w) for w in ("worker-a", "worker-b")]
            return all(set(s) == ALL_PARTITIONS and not any(s.values()) for s in series)

        await eventually(caught_up, timeout=30)
    await redis.aclose()
    assert published == [4] * len(shops)
    assert counts["a"] > 0 and counts["b"] > 0
    assert counts["a"] + counts["b"] == len(shops) * 4
