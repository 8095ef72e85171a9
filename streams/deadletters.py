"""The dead-letter topic read back, and its letters replayed to the raw topic after a fix.

A letter is named by where it lies, `partition:offset`. Reading takes what the topic
holds when the read starts (up to each partition's end offset then), without a consumer
group: reading commits nothing and changes nothing. A replay produces each letter's
original bytes, with its key, to the topic it came from (the raw topic), like the gateway
does; the pipeline is idempotent (the notification id comes from the order), so a letter
replayed twice is shown once, and one that still fails is dead-lettered again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError
from pydantic import ValidationError

from proofstream.errors import ServiceError
from schemas import DeadLetter
from streams.topics import DEAD_LETTERS

__all__ = ["Letter", "read_letter", "read_letters", "replay"]


@dataclass(frozen=True)
class Letter:
    id: str  # partition:offset in the dead-letter topic
    letter: DeadLetter


async def read_letters(
    bootstrap: str, *, since: datetime | None = None, reason: str | None = None
) -> AsyncIterator[Letter]:
    """Every letter the topic holds now, oldest first per partition; `since` keeps those
    that failed at or after it (read from the first record produced since then), `reason`
    those whose reason contains it (any case)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    try:
        await consumer.start()
        await consumer.topics()  # the partition metadata
        partitions = [
            TopicPartition(DEAD_LETTERS, p)
            for p in sorted(consumer.partitions_for_topic(DEAD_LETTERS) or ())
        ]
        if not partitions:
            return
        consumer.assign(partitions)
        starts = await consumer.beginning_offsets(partitions)
        ends = await consumer.end_offsets(partitions)
        firsts = starts if since is None else await _firsts_since(consumer, since, starts, ends)
        for tp in partitions:
            consumer.seek(tp, firsts[tp])  # set now (seek_to_beginning resets later)
        for tp in partitions:
            while await consumer.position(tp) < ends[tp]:
                batch = await consumer.getmany(tp, timeout_ms=1000, max_records=500)
                for record in batch.get(tp, []):
                    if record.offset >= ends[tp]:
                        break
                    letter = _parse(record.value)
                    if letter is not None and _wanted(letter, since=since, reason=reason):
                        yield Letter(id=f"{tp.partition}:{record.offset}", letter=letter)
    except KafkaError as exc:
        raise ServiceError(f"the broker could not be read: {exc}") from exc
    finally:
        await consumer.stop()


async def _firsts_since(
    consumer: AIOKafkaConsumer,
    since: datetime,
    starts: dict[TopicPartition, int],
    ends: dict[TopicPartition, int],
) -> dict[TopicPartition, int]:
    """Per partition, the first offset whose record was produced at or after `since` (by
    the broker's time index), so a read of the last day skips the older letters. A letter
    is produced after it failed, so none that failed since then lies before it."""
    at = int(since.timestamp() * 1000)
    found = await consumer.offsets_for_times(dict.fromkeys(starts, at))
    # Nothing that new: None from Apache Kafka, offset 0 with timestamp -1 from Tansu.
    return {
        tp: ends[tp] if hit is None or hit.timestamp < 0 else max(hit.offset, starts[tp])
        for tp, hit in found.items()
    }


async def read_letter(bootstrap: str, letter_id: str) -> Letter | None:
    """The letter at `letter_id` (`partition:offset`), read where it lies; None when the
    topic holds none there (a malformed id, a partition or offset it does not have, or a
    record that is not a letter)."""
    partition, _, offset = letter_id.partition(":")
    if not (partition.isdigit() and offset.isdigit()):
        return None
    tp = TopicPartition(DEAD_LETTERS, int(partition))
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        await consumer.start()
        await consumer.topics()  # the partition metadata
        if tp.partition not in (consumer.partitions_for_topic(DEAD_LETTERS) or ()):
            return None
        consumer.assign([tp])
        begins, ends = await consumer.beginning_offsets([tp]), await consumer.end_offsets([tp])
        if not begins[tp] <= int(offset) < ends[tp]:
            return None
        consumer.seek(tp, int(offset))
        batch = await consumer.getmany(tp, timeout_ms=5000, max_records=1)
        record = next(iter(batch.get(tp, [])), None)
    except KafkaError as exc:
        raise ServiceError(f"the broker could not be read: {exc}") from exc
    finally:
        await consumer.stop()
    letter = _parse(record.value) if record is not None and record.offset == int(offset) else None
    return Letter(id=letter_id, letter=letter) if letter is not None else None


async def replay(
    bootstrap: str, letters: Iterable[Letter], *, progress: Callable[[], object] = lambda: None
) -> int:
    """Produce each letter's original to its source topic (acks=all); returns how many."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    sent = 0
    try:
        await producer.start()
        for item in letters:
            key = item.letter.key.encode() if item.letter.key is not None else None
            await producer.send_and_wait(item.letter.source_topic, item.letter.original, key=key)
            sent += 1
            progress()
    except KafkaError as exc:
        raise ServiceError(f"the broker refused the replay after {sent}: {exc}") from exc
    finally:
        await producer.stop()
    return sent


def _parse(value: bytes | None) -> DeadLetter | None:
    try:
        return DeadLetter.from_json(value or b"")
    except (ValidationError, ValueError):
        return None  # not ours: nothing to show or replay


def _wanted(letter: DeadLetter, *, since: datetime | None, reason: str | None) -> bool:
    if since is not None and letter.failed_at < since:
        return False
    return reason is None or reason.lower() in letter.reason.lower()
