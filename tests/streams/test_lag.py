"""Consumer lag read from a real broker (`streams/lag.py`) and printed by `proofstream lag`."""

import json
import os
import subprocess
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import OffsetAndMetadata

from streams.admin import ensure_topics
from streams.lag import LagProbe
from tests.fixtures import proofstream

pytestmark = pytest.mark.integration


@pytest.fixture
async def topic(bootstrap: str) -> AsyncIterator[str]:
    """A topic of two partitions: five messages on partition 0, none on 1, and a group
    that committed offset 2 of partition 0 (and nothing of partition 1)."""
    name = f"lag-{uuid.uuid4().hex[:8]}"
    await ensure_topics(
        bootstrap=bootstrap, names=[name], partitions=2, retention=timedelta(days=1)
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for n in range(5):
            await producer.send_and_wait(name, value=b"%d" % n, partition=0)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=f"{name}-group")
    await consumer.start()
    try:
        consumer.assign([TopicPartition(name, 0)])
        await consumer.commit({TopicPartition(name, 0): OffsetAndMetadata(2, "")})
    finally:
        await consumer.stop()
    yield name


async def test_the_lag_is_the_end_offset_minus_the_committed_one(
    bootstrap: str, topic: str
) -> None:
    probe = LagProbe(bootstrap=bootstrap, group=f"{topic}-group", topics=[topic])
    try:
        first, second = await probe.read()
    finally:
        await probe.close()
    assert (first.partition, first.committed, first.end, first.lag) == (0, 2, 5, 3)
    assert (second.partition, second.committed, second.end, second.lag) == (1, None, 0, 0)


def lag_command(bootstrap: str, *args: str) -> subprocess.CompletedProcess[str]:
    return proofstream("lag", *args, env=os.environ | {"KAFKA_BOOTSTRAP_SERVERS": bootstrap})


async def test_the_lag_command_prints_a_table_and_exits_1_while_messages_wait(
    bootstrap: str, topic: str
) -> None:
    shown = lag_command(bootstrap, "--group", f"{topic}-group", "--topic", topic)
    assert shown.returncode == 1, shown.stderr
    *rows, total = shown.stdout.splitlines()
    assert [row.split() for row in rows] == [
        ["TOPIC", "PARTITION", "COMMITTED", "END", "LAG"],
        [topic, "0", "2", "5", "3"],
        [topic, "1", "-", "0", "0"],
    ]
    assert total == f"group {topic}-group: 3 messages waiting"
    as_json = json.loads(
        lag_command(bootstrap, "--group", "nobody", "--topic", topic, "--json").stdout
    )
    assert as_json["total"] == 5 and as_json["partitions"][0]["committed"] is None


def test_the_lag_command_says_in_one_line_when_the_broker_cannot_answer() -> None:
    refused = lag_command("127.0.0.1:9", "--topic", "any")
    assert refused.returncode == 2
    assert refused.stderr.startswith("proofstream: the broker could not tell the lag")
    assert len(refused.stderr.splitlines()) == 1 and "Traceback" not in refused.stderr
