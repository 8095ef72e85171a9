"""Create the pipeline's topics with the configured partition count before anyone produces."""

from __future__ import annotations

from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from streams.topics import COMPACTED

__all__ = ["ensure_topics"]


async def ensure_topics(*, bootstrap: str, names: Iterable[str], partitions: int) -> None:
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
                topic_configs={"cleanup.policy": "compact"} if name in COMPACTED else {},
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
