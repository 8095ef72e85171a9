"""Create the pipeline's topics with the configured partition count before anyone produces."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from streams.topics import COMPACTED, CUSTOMER_DATA

__all__ = ["ensure_topics", "topic_config"]


def topic_config(name: str, *, retention: timedelta) -> dict[str, str]:
    """A topic's configuration at creation: compaction for the latest-per-shop topics, a
    bounded retention for those that hold customer data."""
    if name in COMPACTED:
        return {"cleanup.policy": "compact"}
    if name in CUSTOMER_DATA:
        return {"retention.ms": str(int(retention.total_seconds() * 1000))}
    return {}


async def ensure_topics(
    *, bootstrap: str, names: Iterable[str], partitions: int, retention: timedelta
) -> None:
    """Idempotent: topics that exist are left as they are.

    Auto-created topics would get the broker's default partition count and break the
    co-partitioning by shop that Faust tables rely on.
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(
                name,
                num_partitions=partitions,
                replication_factor=1,
                topic_configs=topic_config(name, retention=retention),
            )
            for name in names
            if name not in existing
        ]
        if missing:
            try:
                await admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass  # another process won the race; same partitions by construction
    finally:
        await admin.close()
