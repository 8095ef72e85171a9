"""Graceful shutdown. SIGTERM on a gateway: requests in flight are answered (their produce
finishes), SSE streams end with a retry hint, and the process exits once its lifespan
has shut down; a successor on the same address takes over and nothing is lost or shown
twice. SIGTERM on a worker: it commits what it processed and leaves the group (also in the
group's first generation, which Tansu numbers 0), so its successor starts after it, at
once."""

import asyncio
import signal
import time
from collections import Counter

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from simulator.balancer import Balancer
from simulator.shopper import shopping
from streams.topics import NOTIFICATIONS, RAW_WEBHOOKS
from tests.faults.cluster import Cluster, send_orders, titles
from tests.fixtures import eventually

pytestmark = pytest.mark.integration


async def test_a_gateway_stopped_by_sigterm_answers_what_is_in_flight(
    cluster: Cluster, shop: str
) -> None:
    url = await cluster.started()
    balancer = Balancer([url])
    async with shopping(f"{url}/v1/storefront/{shop}/stream") as shopper:
        await eventually(lambda: shopper.connections > 0)
        sending = asyncio.create_task(send_orders(balancer, [shop], 40, every_s=0.1))
        await eventually(lambda: len(shopper.products()) >= 5, timeout=60)
        # Hold the broker's acknowledgements, so webhooks are in flight when SIGTERM comes.
        cluster.broker.signal(signal.SIGSTOP)
        await eventually(lambda: balancer.in_flight >= 3)
        terminated = time.monotonic()
        gateway = cluster.processes["gateway"]
        gateway.signal(signal.SIGTERM)
        await asyncio.sleep(0.3)  # uvicorn has stopped listening; the broker comes back
        cluster.broker.signal(signal.SIGCONT)
        exit_code = await asyncio.to_thread(gateway.wait, 15)
        stopped_s = time.monotonic() - terminated
        await asyncio.to_thread(cluster.gateway)  # its successor, on the same address
        accepted = (await sending)[shop]
        await eventually(lambda: set(shopper.products()) >= set(accepted), timeout=60)
    # uvicorn re-raises the SIGTERM once its shutdown is complete (so supervisors see it).
    assert exit_code == -signal.SIGTERM
    assert cluster.log("gateway").count("Application shutdown complete.") == 1
    assert stopped_s < 10, "the shutdown waited for something that never ends"
    answered_in_flight = [
        a for a in balancer.answers if a.started < terminated < a.started + a.seconds
    ]
    # Answered, not cut off: their produce finished once the broker resumed (200), or timed
    # out first when the broker was slow to come back (503, which Shopify retries).
    statuses = Counter(a.status for a in answered_in_flight)
    assert statuses[200] >= 1 and set(statuses) <= {200, 503}, answered_in_flight
    assert balancer.broken == [], "a request was cut off after it was sent"
    # Every stream starts with a hint (the ready frame's); the one that ended had another.
    assert shopper.connections >= 2 and len(shopper.hints) > shopper.connections
    assert accepted == titles(40)
    assert Counter(shopper.products()) == Counter(accepted), "lost or shown twice"


async def test_a_worker_stopped_by_sigterm_commits_what_it_processed(
    cluster: Cluster, shop: str
) -> None:
    url = await cluster.started()
    worker = cluster.processes["worker"]
    async with shopping(f"{url}/v1/storefront/{shop}/stream") as shopper:
        await eventually(lambda: shopper.connections > 0)
        accepted = (await send_orders(Balancer([url]), [shop], 20, every_s=0.05))[shop]
        await eventually(lambda: len(shopper.products()) == 20, timeout=60)
    async with httpx.AsyncClient(base_url=url) as client:

        async def recorded() -> bool:
            page = await client.get("/api/notifications", params={"shop": shop, "limit": 50})
            return len(page.json()["notifications"]) == 20

        await eventually(recorded, timeout=30)
    # Everything is processed: a clean stop commits it all (the periodic commit may not
    # have run yet), so the group has nothing left to read.
    exit_code = await asyncio.to_thread(worker.stop)
    # Read at once: a worker that did not leave would stay a member for the session timeout.
    members = await group_members(cluster.env["KAFKA_BOOTSTRAP_SERVERS"], cluster.env)
    left = await uncommitted(cluster.env["KAFKA_BOOTSTRAP_SERVERS"], cluster.env)
    assert accepted == titles(20)
    assert exit_code == 0
    assert members == []
    assert left == {RAW_WEBHOOKS: 0, NOTIFICATIONS: 0}


async def group_members(bootstrap: str, env: dict[str, str]) -> list[str]:
    """The member ids of the worker's consumer group, as the broker holds them."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [described] = await admin.describe_consumer_groups([env["PROOFSTREAM_WORKER_ID"]])
        [group] = described.groups
        return [member[0] for member in group[5]]
    finally:
        await admin.close()


async def uncommitted(bootstrap: str, env: dict[str, str]) -> dict[str, int]:
    """Per topic the worker's group consumes orders from, messages it has not committed."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=env["PROOFSTREAM_WORKER_ID"],
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        await consumer.topics()  # metadata for every topic
        left: dict[str, int] = {}
        for topic in (RAW_WEBHOOKS, NOTIFICATIONS):
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
            ends = await consumer.end_offsets(partitions)
            for partition in partitions:
                committed = await consumer.committed(partition) or 0
                left[topic] = left.get(topic, 0) + ends[partition] - committed
        return left
    finally:
        await consumer.stop()
