"""The Kafka transport of the worker: Faust's aiokafka driver with a configurable fetch wait.

Faust hard-codes `fetch_max_wait_ms=1500`. Apache Kafka answers a long-poll fetch as soon
as data arrives, but the embedded Tansu broker holds it to the deadline, which added
~0.4 s to every Kafka hop (~1.2 s webhook → popup over the three hops of the time).
Measured on Tansu, a 100 ms wait gives 10–16 ms per hop, a 20 ms wait 6–17 ms.
"""

from __future__ import annotations

from typing import Any

from faust.transport.drivers import aiokafka as driver

__all__ = ["transport_class"]


def transport_class(fetch_max_wait_ms: int) -> type[Any]:
    """An aiokafka transport whose worker consumers wait at most `fetch_max_wait_ms`."""

    class ConsumerThread(driver.AIOKafkaConsumerThread):
        def _create_worker_consumer(self, transport: Any) -> Any:
            consumer = super()._create_worker_consumer(transport)
            consumer._fetch_max_wait_ms = fetch_max_wait_ms  # read by consumer.start()
            return consumer

    class Consumer(driver.Consumer):
        def _new_consumer_thread(self) -> ConsumerThread:
            return ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    class Transport(driver.Transport):
        pass

    Transport.Consumer = Consumer
    return Transport
