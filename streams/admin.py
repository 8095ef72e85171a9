"""The pipeline's topics on the broker: created with the configured partition count before
anyone produces (`ensure_topics`), and described as they are (`describe_topics`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from proofstream.errors import ServiceError
from streams.topics import COMPACTED, CUSTOMER_DATA

__all__ = ["TopicState", "describe_topics", "ensure_topics", "topic_config"]

SHOWN = ("cleanup.policy", "retention.ms")  # what `proofstream topics` compares


@dataclass(frozen=True)
class TopicState:
    """A topic as the broker has it: its partition count (None: it does not exist) and the
    configuration entries that matter here."""

    name: str
    partitions: int | None
    config: dict[str, str]


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


async def describe_topics(*, bootstrap: str, names: Iterable[str]) -> list[TopicState]:
    """Each named topic as the broker has it, in the order given."""
    names = list(names)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        await admin.start()
        existing = set(await admin.list_topics())
        present = [name for name in names if name in existing]
        metadata = await admin.describe_topics(present) if present else []
        answers = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, name) for name in present]
        )
    except KafkaError as exc:
        raise ServiceError(f"the broker could not describe the topics: {exc}") from exc
    finally:
        await admin.close()
    partitions = {topic["topic"]: len(topic["partitions"]) for topic in metadata}
    configs = {
        resource[3]: {entry[0]: entry[1] for entry in resource[4] if entry[0] in SHOWN}
        for answer in answers
        for resource in answer.resources
    }
    return [TopicState(name, partitions.get(name), configs.get(name, {})) for name in names]
