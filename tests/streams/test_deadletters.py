"""The dead-letter topic read back from a real broker (`streams/deadletters.py`): a read
since a time starts at the first letter produced since then and misses none after it."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaProducer

from schemas import DeadLetter
from streams.deadletters import read_letter, read_letters
from streams.topics import DEAD_LETTERS, RAW_WEBHOOKS

pytestmark = pytest.mark.integration


async def produce_letters(bootstrap: str, key: str, ages: list[timedelta]) -> datetime:
    """One letter per age, produced (and failed) that long before now, under `key`."""
    now = datetime.now(UTC)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for n, age in enumerate(ages):
            at = now - age
            letter = DeadLetter(
                stage="normalize",
                reason=f"letter {n}",
                source_topic=RAW_WEBHOOKS,
                key=key,
                original=b"{}",
                failed_at=at,
            )
            await producer.send_and_wait(
                DEAD_LETTERS,
                letter.to_json(),
                key=key.encode(),
                timestamp_ms=int(at.timestamp() * 1000),
            )
    finally:
        await producer.stop()
    return now


async def reasons(bootstrap: str, key: str, since: datetime | None) -> list[str]:
    return [
        item.letter.reason
        async for item in read_letters(bootstrap, since=since)
        if item.letter.key == key
    ]


async def test_a_read_since_a_time_gets_every_letter_from_then_on(bootstrap: str) -> None:
    key = f"letters-{uuid.uuid4().hex[:8]}.myshopify.com"
    ages = [timedelta(hours=3), timedelta(hours=2), timedelta(minutes=30), timedelta(0)]
    now = await produce_letters(bootstrap, key, ages)

    assert await reasons(bootstrap, key, None) == ["letter 0", "letter 1", "letter 2", "letter 3"]
    assert await reasons(bootstrap, key, now - timedelta(hours=1)) == ["letter 2", "letter 3"]
    assert await reasons(bootstrap, key, now - timedelta(hours=2)) == [
        "letter 1",
        "letter 2",
        "letter 3",
    ]
    assert await reasons(bootstrap, key, now + timedelta(hours=1)) == []


async def test_one_letter_is_read_where_it_lies(bootstrap: str) -> None:
    key = f"letters-{uuid.uuid4().hex[:8]}.myshopify.com"
    await produce_letters(bootstrap, key, [timedelta(minutes=5)])
    [listed] = [item async for item in read_letters(bootstrap) if item.letter.key == key]

    found = await read_letter(bootstrap, listed.id)

    assert found == listed
    partition, offset = listed.id.split(":")
    assert await read_letter(bootstrap, f"{partition}:{int(offset) + 10**9}") is None
