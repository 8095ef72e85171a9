"""Consumer lag of the worker's group, per topic and partition: the broker's end offset
minus the offset the group committed. Faust's Prometheus sensor reports no lag: every
worker and every gateway exports this as `proofstream_consumer_lag` (`report_lag`), so it
is seen also while no worker runs, and `proofstream lag` prints it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from prometheus_client import Gauge

from proofstream.errors import ServiceError
from streams.topics import DEAD_LETTERS, NAMES

__all__ = ["CONSUMED", "CONSUMER_LAG", "LagProbe", "PartitionLag", "report_lag"]

log = structlog.get_logger("proofstream.lag")

CONSUMED = tuple(name for name in NAMES if name != DEAD_LETTERS)  # what the worker reads


@dataclass(frozen=True)
class PartitionLag:
    topic: str
    partition: int
    committed: int | None  # None: the group never committed here
    end: int  # the offset the next message will get

    @property
    def lag(self) -> int:
        """Messages the group has yet to handle (all of them if it never committed)."""
        return max(0, self.end - (self.committed or 0))


class LagProbe:
    """Reads a group's lag; keeps its broker connection between reads."""

    def __init__(self, *, bootstrap: str, group: str, topics: Iterable[str] = CONSUMED) -> None:
        self.bootstrap = bootstrap
        self.group = group
        self.topics = tuple(topics)
        self._consumer: AIOKafkaConsumer | None = None

    async def read(self) -> list[PartitionLag]:
        """Lag of every partition of the topics, sorted by topic and partition."""
        try:
            consumer = await self._connected()
            await consumer.topics()  # refreshes the partition metadata
            partitions = [
                TopicPartition(topic, partition)
                for topic in self.topics
                for partition in sorted(consumer.partitions_for_topic(topic) or ())
            ]
            ends = await consumer.end_offsets(partitions)
            committed = [await consumer.committed(tp) for tp in partitions]
        except KafkaError as exc:
            raise ServiceError(f"the broker could not tell the lag: {exc}") from exc
        return [
            PartitionLag(tp.topic, tp.partition, committed=offset, end=ends[tp])
            for tp, offset in zip(partitions, committed, strict=True)
        ]

    async def close(self) -> None:
        if self._consumer is not None:
            consumer, self._consumer = self._consumer, None
            await consumer.stop()

    async def _connected(self) -> AIOKafkaConsumer:
        # Made here, in the running loop (aiokafka binds its clients to it). In the group,
        # to read its committed offsets (the admin client's OffsetFetch is not understood
        # by the embedded broker); it never subscribes, so it never joins or commits.
        if self._consumer is None:
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self.bootstrap, group_id=self.group, enable_auto_commit=False
            )
            try:
                await consumer.start()
            except BaseException:
                await consumer.stop()
                raise
            self._consumer = consumer
        return self._consumer


CONSUMER_LAG = Gauge(
    "proofstream_consumer_lag",
    "Messages of a partition the worker group has not committed yet (end offset minus"
    " committed offset; every worker and gateway reports the whole group's: take the max).",
    ["topic", "partition"],
)


async def report_lag(probe: LagProbe) -> None:
    """Read the lag once into `CONSUMER_LAG`; while the broker is away the gauge keeps its
    last values (and the broker's own alert says why)."""
    try:
        lags = await probe.read()
    except ServiceError as exc:
        log.warning("consumer_lag_unavailable", error=str(exc))
        return
    for partition in lags:
        CONSUMER_LAG.labels(partition.topic, str(partition.partition)).set(partition.lag)
