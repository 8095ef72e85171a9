"""The Kafka transport of the worker: Faust's aiokafka driver with a configurable fetch wait,
and a graceful stop that leaves the group in its first generation too.

Faust hard-codes `fetch_max_wait_ms=1500`. Apache Kafka answers a long-poll fetch as soon
as data arrives, but the embedded Tansu broker holds it to the deadline, which added
~0.4 s to every Kafka hop (~1.2 s webhook → popup over the three hops of the time).
Measured on Tansu, a 100 ms wait gives 10–16 ms per hop, a 20 ms wait 6–17 ms.

A worker that stops sends `LeaveGroup`, so its successor takes over after one rebalance
instead of after the session timeout. aiokafka sends it only for generations above 0;
Tansu numbers a group's first generation 0 (Apache Kafka starts at 1), so a deploy of the
first worker on the embedded broker left its partitions idle ~20 s (`bench/soak.py`).
"""

from __future__ import annotations

from typing import Any

from faust.transport.drivers import aiokafka as driver

__all__ = ["transport_class"]


def transport_class(fetch_max_wait_ms: int) -> type[Any]:
    """An aiokafka transport whose worker consumers wait at most `fetch_max_wait_ms` and
    leave their group on stop whatever its generation."""

    class ConsumerThread(driver.AIOKafkaConsumerThread):
        def _create_worker_consumer(self, transport: Any) -> Any:
            consumer = super()._create_worker_consumer(transport)
            consumer._fetch_max_wait_ms = fetch_max_wait_ms  # read by consumer.start()
            consumer.start = _leaving_from_generation_zero(consumer)
            return consumer

    class Consumer(driver.Consumer):
        def _new_consumer_thread(self) -> ConsumerThread:
            return ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    class Transport(driver.Transport):
        pass

    Transport.Consumer = Consumer
    return Transport


def _leaving_from_generation_zero(consumer: Any) -> Any:
    """`consumer.start`, after which its group coordinator (made by start) leaves the group
    from generation 0 as well: LeaveGroup names only the group and the member, and the
    coordinator resets its generation right after, so counting 0 as 1 there changes
    nothing else (the final offset commit, which carries the generation, comes before)."""
    start = consumer.start

    async def start_then_adapt() -> None:
        await start()
        coordinator = consumer._coordinator
        leave = coordinator._maybe_leave_group

        async def leave_group() -> None:
            if coordinator.generation == 0:
                coordinator.generation = 1
            await leave()

        coordinator._maybe_leave_group = leave_group

    return start_then_adapt
