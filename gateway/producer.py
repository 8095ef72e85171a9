"""The gateway's Kafka producer: acks=all, keyed by shop, errors become `BrokerUnavailable`;
traced, each send is a span whose context travels in the record's headers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from opentelemetry.trace import SpanKind, Tracer

from gateway.errors import BrokerUnavailable
from proofstream.tracing import kafka_headers
from streams.admin import ensure_topics
from streams.topics import NAMES

__all__ = ["EnvelopeProducer"]


class EnvelopeProducer:
    """Produces verified webhook envelopes; `send` returns only once the broker acked."""

    def __init__(
        self,
        *,
        bootstrap: str,
        partitions: int,
        retention: timedelta,
        send_timeout_s: float = 2.0,
        tracer: Tracer | None = None,
    ) -> None:
        self._tracer = tracer
        self._bootstrap = bootstrap
        self._partitions = partitions
        self._retention = retention
        self._send_timeout_s = send_timeout_s
        self._producer: AIOKafkaProducer | None = None

    async def start(self, *, attempts: int = 30, delay_s: float = 1.0) -> None:
        """Connect (waiting for a broker that is still starting) and make sure topics exist."""
        for attempt in range(1, attempts + 1):
            producer = AIOKafkaProducer(
                bootstrap_servers=self._bootstrap,
                acks="all",
                enable_idempotence=False,  # the embedded broker has no idempotent producers
                linger_ms=0,
                # ~5 KB envelopes: the 16 KiB default queues sends behind each other under
                # load (bench/RESULTS.md: acks ≤ 50 ms went from ~60 % to ~97 % at saturation).
                max_batch_size=1024 * 1024,
                request_timeout_ms=int(self._send_timeout_s * 1000),
            )
            try:
                await producer.start()
                await ensure_topics(
                    bootstrap=self._bootstrap,
                    names=NAMES,
                    partitions=self._partitions,
                    retention=self._retention,
                )
            except KafkaError as exc:
                await producer.stop()
                if attempt == attempts:
                    raise BrokerUnavailable(f"no Kafka broker at {self._bootstrap}") from exc
                await asyncio.sleep(delay_s)
                continue
            except BaseException:  # cancelled while starting: leave no connection behind
                await producer.stop()
                raise
            self._producer = producer
            return

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def send(self, topic: str, *, key: str, value: bytes) -> None:
        """Produce and wait for the acknowledgement of all in-sync replicas."""
        if self._producer is None:
            raise BrokerUnavailable("producer not started")
        if self._tracer is None:
            return await self._send(self._producer, topic, key, value)
        with self._tracer.start_as_current_span(
            f"{topic} send",
            kind=SpanKind.PRODUCER,
            attributes={"messaging.system": "kafka", "messaging.destination.name": topic},
        ):
            await self._send(self._producer, topic, key, value, headers=kafka_headers())

    async def _send(
        self,
        producer: AIOKafkaProducer,
        topic: str,
        key: str,
        value: bytes,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> None:
        try:
            async with asyncio.timeout(self._send_timeout_s):
                await producer.send_and_wait(topic, value=value, key=key.encode(), headers=headers)
        except (KafkaError, TimeoutError) as exc:
            raise BrokerUnavailable("the broker did not acknowledge the webhook") from exc

    async def ready(self) -> bool:
        """True when the producer is connected and the broker answers a metadata request."""
        if self._producer is None:
            return False
        try:
            async with asyncio.timeout(2):
                updated = await self._producer.client.force_metadata_update()
        except (KafkaError, TimeoutError):
            return False
        return bool(updated)
