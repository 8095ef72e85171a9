"""The gateway answers 503 when the broker does not acknowledge (Shopify then retries)."""

from datetime import timedelta
from pathlib import Path

import pytest

from gateway.errors import BrokerUnavailable
from gateway.producer import EnvelopeProducer
from proofstream.services import free_port, start_broker
from streams.topics import RAW_WEBHOOKS

pytestmark = pytest.mark.integration


async def test_send_fails_with_broker_unavailable_when_broker_is_gone(tmp_path: Path) -> None:
    broker, bootstrap = start_broker(log_path=tmp_path / "broker.log")
    producer = EnvelopeProducer(
        bootstrap=bootstrap, partitions=2, retention=timedelta(days=1), send_timeout_s=2
    )
    try:
        await producer.start()
        await producer.send(RAW_WEBHOOKS, key="a.myshopify.com", value=b"{}")
        assert await producer.ready()
        broker.stop()
        with pytest.raises(BrokerUnavailable):
            await producer.send(RAW_WEBHOOKS, key="a.myshopify.com", value=b"{}")
        assert not await producer.ready()
    finally:
        await producer.stop()
        broker.stop()


async def test_start_gives_up_with_a_clear_error() -> None:
    producer = EnvelopeProducer(
        bootstrap=f"127.0.0.1:{free_port()}", partitions=2, retention=timedelta(days=1)
    )
    with pytest.raises(BrokerUnavailable, match="no Kafka broker at"):
        await producer.start(attempts=2, delay_s=0.1)
