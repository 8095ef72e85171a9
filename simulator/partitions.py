"""Shop domains spread evenly over the pipeline's partitions, as the gateway's producer
keys them (by shop, with the Kafka client's default partitioner): for tests and benches
that need every partition, hence every worker of a group, to have work."""

from __future__ import annotations

import uuid

from aiokafka.partitioner import DefaultPartitioner

__all__ = ["partition_of", "shops_on_every_partition"]

_partitioner = DefaultPartitioner()


def partition_of(shop: str, *, partitions: int = 4) -> int:
    """The partition the gateway's producer sends `shop`'s webhooks to."""
    every = list(range(partitions))
    return int(_partitioner(shop.encode(), every, every))


def shops_on_every_partition(per_partition: int, *, partitions: int = 4) -> list[str]:
    """`per_partition` new shop domains on each of `partitions` partitions (4 is
    PROOFSTREAM_TOPIC_PARTITIONS' default), partition by partition."""
    found: dict[int, list[str]] = {p: [] for p in range(partitions)}
    while any(len(shops) < per_partition for shops in found.values()):
        shop = f"group-{uuid.uuid4().hex[:10]}.myshopify.com"
        partition = partition_of(shop, partitions=partitions)
        if len(found[partition]) < per_partition:
            found[partition].append(shop)
    return [shop for shops in found.values() for shop in shops]
