"""The Faust agents driven by `Agent.test_context()`, sending into in-memory channels."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from redis.asyncio import Redis

from agents.project import Projector
from agents.publish import Publisher
from agents.topology import Agents, register
from proofstream.settings import Settings
from schemas import DeadLetter, Notification, WebhookEnvelope
from simulator.orders import OrderFactory
from streams.app import create_app
from streams.redis import stream_key
from streams.tables import declare_tables
from streams.topics import Topics, declare

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@dataclass
class Harness:
    agents: Agents
    notifications: Any
    dead_letters: Any


@pytest.fixture
def harness(redis: Redis) -> Iterator[Harness]:
    app = create_app(Settings(KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:9"))
    app.finalize()
    app.flow_control.resume()
    real = declare(app, partitions=4)
    # Outputs go to in-memory channels; subscribe before anything is sent.
    topics = Topics(
        raw_webhooks=real.raw_webhooks,
        notifications=app.channel(),
        dead_letters=app.channel(),
        settings=real.settings,
        lifecycle=real.lifecycle,
    )
    agents = register(
        app,
        topics,
        declare_tables(app, partitions=4),
        publisher=Publisher(redis, maxlen=50),
        projector=Projector(redis),
        clock=lambda: NOW,
    )
    yield Harness(
        agents=agents,
        notifications=topics.notifications.clone(is_iterator=True),
        dead_letters=topics.dead_letters.clone(is_iterator=True),
    )


def raw_envelope(shop: str, payload: bytes) -> bytes:
    return WebhookEnvelope.encode(
        webhook_id="wh-topology",
        event_id=None,
        topic="orders/create",
        shop=shop,
        api_version="2026-10",
        triggered_at=None,
        received_at=NOW,
        raw_payload=payload,
    )


async def test_orders_turns_webhook_into_notification_keyed_by_shop(
    harness: Harness, shop: str
) -> None:
    payload = {
        "id": 1,
        "created_at": NOW.isoformat(),
        "line_items": [{"title": "Blue Hoodie"}],
        "customer": {"first_name": "Emma", "last_name": "Private"},
        "shipping_address": {"city": "Toronto", "address1": "1 Private St"},
    }
    async with harness.agents.orders.test_context() as agent:
        await agent.put(raw_envelope(shop, orjson.dumps(payload)), key=shop.encode())
    event = await harness.notifications.get(timeout=5)
    assert isinstance(event.value, Notification)
    assert event.key == shop
    assert event.value.text == "Emma in Toronto just bought Blue Hoodie"
    assert event.value.webhook_id == "wh-topology"
    assert event.value.created_at == NOW
    assert b"Private" not in event.value.to_json()


async def test_malformed_goes_to_dead_letters_and_stream_goes_on(
    harness: Harness, shop: str
) -> None:
    factory = OrderFactory(seed=5, shop=shop)
    async with harness.agents.orders.test_context() as agent:
        await agent.put(b"{not json", key=shop.encode())
        await agent.put(
            raw_envelope(shop, orjson.dumps({"id": 1, "line_items": []})), key=shop.encode()
        )
        await agent.put(raw_envelope(shop, factory.body(factory.order())), key=shop.encode())
    first = (await harness.dead_letters.get(timeout=5)).value
    second = (await harness.dead_letters.get(timeout=5)).value
    assert isinstance(first, DeadLetter) and first.original == b"{not json"
    assert "invalid envelope" in first.reason
    assert second.reason == "order has no line item with a title"
    assert second.webhook_id == "wh-topology"
    assert (await harness.notifications.get(timeout=5)).value.shop == shop


async def test_publish_writes_stream_once(harness: Harness, redis: Redis, shop: str) -> None:
    notification = Notification(
        id="n-1",
        webhook_id="w",
        shop=shop,
        text="Emma just bought X",
        fields={"first_name": "Emma"},
        occurred_at=NOW,
        created_at=NOW,
    )
    async with harness.agents.publish.test_context() as agent:
        first = await agent.put(notification, key=shop)
        again = await agent.put(notification, key=shop)
        assert agent.results[first.message.offset] is not None
        assert agent.results[again.message.offset] is None
    entries = await redis.xrange(stream_key(shop))
    assert len(entries) == 1
    assert orjson.loads(entries[0][1][b"n"])["text"] == "Emma just bought X"
