"""Two workers in one consumer group, the way past one process's throughput: they split
the partitions between them, and every order is published once (real broker and Redis)."""

import asyncio
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from aiokafka.partitioner import DefaultPartitioner
from redis.asyncio import Redis

from proofstream.services import free_port, start_broker
from simulator.orders import OrderFactory
from streams.redis import stream_key
from tests.conftest import SECRET, gateway_process, start_process
from tests.fixtures import order_body, post_webhook

pytestmark = pytest.mark.integration

PARTITIONS = 4  # PROOFSTREAM_TOPIC_PARTITIONS' default
JOINED = re.compile(r"Joined group '[^']+' \(generation (\d+)\)")
ASSIGNED = "Setting newly assigned partitions"


def shops_on_every_partition(per_partition: int) -> list[str]:
    """Shop domains that the gateway's producer spreads evenly over the partitions."""
    partition_of = DefaultPartitioner()
    found: dict[int, list[str]] = {p: [] for p in range(PARTITIONS)}
    while any(len(shops) < per_partition for shops in found.values()):
        shop = f"group-{uuid.uuid4().hex[:10]}.myshopify.com"
        partition = partition_of(shop.encode(), list(range(PARTITIONS)), list(range(PARTITIONS)))
        if len(found[partition]) < per_partition:
            found[partition].append(shop)
    return [shop for shops in found.values() for shop in shops]


def settled_generation(log: Path) -> int | None:
    """The group generation this worker last joined, once it took its partitions in it."""
    text = log.read_text(errors="replace") if log.exists() else ""
    joins = JOINED.findall(text)
    if not joins or text.count(ASSIGNED) < len(joins):
        return None
    return int(joins[-1])


def both_in_one_generation(a: Path, b: Path) -> bool:
    generation = settled_generation(a)
    return generation is not None and generation == settled_generation(b)


def rendered(metrics: str) -> float:
    found = re.search(
        r'^proofstream_agent_events_total\{outcome="ok",stage="render"\} (\S+)$', metrics, re.M
    )
    return float(found.group(1)) if found else 0.0


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[str]:
    # A broker of its own: the session's worker (another group) must not render these orders.
    broker, bootstrap = start_broker(log_path=tmp_path / "broker.log")
    yield bootstrap
    broker.stop()


async def test_two_workers_split_the_partitions_and_publish_each_order_once(
    own_broker: str, redis_url: str, redis: Redis, tmp_path: Path
) -> None:
    shops = shops_on_every_partition(2)
    with gateway_process(bootstrap=own_broker, redis_url=redis_url, folder=tmp_path) as (
        url,
        env,
        _,
    ):
        ports = {name: free_port() for name in ("a", "b")}
        workers = {
            name: start_process(
                f"worker-{name}",
                ["worker"],
                {
                    **env,  # the same PROOFSTREAM_WORKER_ID: one consumer group
                    "PROOFSTREAM_WORKER_WEB_PORT": str(free_port()),
                    "PROOFSTREAM_WORKER_METRICS_PORT": str(port),
                },
                tmp_path,
            )
            for name, port in ports.items()
        }
        logs = {name: tmp_path / f"worker-{name}.log" for name in workers}

        async def lengths() -> list[int]:
            return [await redis.xlen(stream_key(shop)) for shop in shops]

        try:
            async with asyncio.timeout(60):
                while not both_in_one_generation(logs["a"], logs["b"]):
                    await asyncio.sleep(0.2)
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
                    name: rendered((await client.get(f"http://127.0.0.1:{port}/metrics")).text)
                    for name, port in ports.items()
                }
        finally:
            for worker in workers.values():
                worker.stop()
    assert published == [4] * len(shops)
    assert counts["a"] > 0 and counts["b"] > 0
    assert counts["a"] + counts["b"] == len(shops) * 4
