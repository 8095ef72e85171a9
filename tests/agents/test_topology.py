"""The Faust agents driven by `Agent.test_context()`, sending into in-memory channels, with
the real Redis and a real (SQLite) database behind the sinks."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from redis.asyncio import Redis
from sqlalchemy import select, text

from agents.project import Projector
from agents.publish import Publisher
from agents.record import Recorder
from agents.topology import Agents, register
from proofstream.settings import Settings
from schemas import (
    DeadLetter,
    EngagementCounts,
    Notification,
    NotificationChanged,
    ShopLifecycle,
    WebhookEnvelope,
    notification_id,
)
from simulator.followups import cancelled, refund
from simulator.orders import OrderFactory
from storage.database import create_engine, migrate, sessionmaker
from storage.models import NotificationEngagement
from streams.app import create_app
from streams.redis import stream_key
from streams.tables import Tables, declare_tables
from streams.topics import Topics, declare
from tests.fixtures import stream_entries

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@dataclass
class Harness:
    agents: Agents
    tables: Tables
    recorder: Recorder
    db: Any  # the record's sessions
    notifications: Any
    dead_letters: Any
    lifecycle: Any

    async def put(self, shop: str, topic: str, payload: dict[str, Any], **envelope: Any) -> Any:
        """One raw webhook through the webhooks agent; returns what it yielded."""
        async with self.agents.webhooks.test_context() as agent:
            event = await agent.put(raw_envelope(shop, topic, payload, **envelope), key=shop)
            return agent.results[event.message.offset]


@pytest.fixture
async def harness(redis: Redis, tmp_path: Path) -> AsyncIterator[Harness]:
    url = f"sqlite+aiosqlite:///{tmp_path}/record.db"
    await migrate(url)
    engine = create_engine(url)
    app = create_app(Settings(KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:9"))
    app.finalize()
    app.flow_control.resume()
    real = declare(app, partitions=4, retention=timedelta(days=7))
    # Outputs go to in-memory channels; subscribe before anything is sent.
    topics = Topics(
        raw_webhooks=real.raw_webhooks,
        notifications=app.channel(),
        dead_letters=app.channel(),
        engagement=real.engagement,
        settings=real.settings,
        lifecycle=app.channel(),
    )
    tables = declare_tables(app, partitions=4)
    db = sessionmaker(engine)
    recorder = Recorder(db, clock=lambda: NOW)
    agents = register(
        app,
        topics,
        tables,
        publisher=Publisher(redis, maxlen=50),
        projector=Projector(redis, instance=f"test-{tmp_path.name}"),
        recorder=recorder,
        clock=lambda: NOW,
    )
    yield Harness(
        agents=agents,
        tables=tables,
        recorder=recorder,
        db=db,
        notifications=topics.notifications.clone(is_iterator=True),
        dead_letters=topics.dead_letters.clone(is_iterator=True),
        lifecycle=topics.lifecycle.clone(is_iterator=True),
    )
    await engine.dispose()


def raw_envelope(
    shop: str, topic: str, payload: dict[str, Any], *, triggered_at: datetime | None = None
) -> bytes:
    return WebhookEnvelope.encode(
        webhook_id=f"wh-{topic}",
        event_id=None,
        topic=topic,
        shop=shop,
        api_version="2026-10",
        triggered_at=triggered_at,
        received_at=NOW,
        raw_payload=orjson.dumps(payload),
    )


def an_order(shop: str, **overrides: Any) -> dict[str, Any]:
    """A realistic order placed now, of two units of one line item."""
    order = OrderFactory(seed=11, shop=shop, clock=lambda: NOW).order(**overrides)
    order["line_items"] = order["line_items"][:1]
    order["line_items"][0]["quantity"] = 2
    return order


async def test_orders_turns_webhook_into_notification_keyed_by_shop(
    harness: Harness, shop: str
) -> None:
    payload = {
        "id": 1,
        "created_at": NOW.isoformat(),
        "line_items": [{"id": 5, "product_id": 9, "title": "Blue Hoodie", "quantity": 2}],
        "customer": {"first_name": "Emma", "last_name": "Private"},
        "shipping_address": {"city": "Toronto", "address1": "1 Private St"},
    }
    await harness.put(shop, "orders/create", payload)
    event = await harness.notifications.get(timeout=5)
    assert isinstance(event.value, Notification)
    assert event.key == shop
    assert event.value.text == "Emma in Toronto just bought Blue Hoodie"
    assert (event.value.order_id, event.value.product_id) == ("1", "9")
    assert event.value.line_items == {"5": 2}
    assert event.value.webhook_id == "wh-orders/create"
    assert event.value.created_at == NOW
    assert b"Private" not in event.value.to_json()


async def test_malformed_goes_to_dead_letters_and_stream_goes_on(
    harness: Harness, shop: str
) -> None:
    async with harness.agents.webhooks.test_context() as agent:
        await agent.put(b"{not json", key=shop.encode())
        await agent.put(raw_envelope(shop, "orders/create", {"id": 1, "line_items": []}), key=shop)
        await agent.put(raw_envelope(shop, "collections/update", {"id": 1}), key=shop)
        await agent.put(raw_envelope(shop, "orders/create", an_order(shop)), key=shop)
    first = (await harness.dead_letters.get(timeout=5)).value
    second = (await harness.dead_letters.get(timeout=5)).value
    third = (await harness.dead_letters.get(timeout=5)).value
    assert isinstance(first, DeadLetter) and first.original == b"{not json"
    assert "invalid envelope" in first.reason
    assert second.reason == "order has no line item with a title"
    assert second.webhook_id == "wh-orders/create"
    assert third.reason == "no handler for topic 'collections/update'"
    assert (await harness.notifications.get(timeout=5)).value.shop == shop


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"cancelled_at": NOW.isoformat(), "financial_status": "voided"}, "arrived cancelled"),
        ({"financial_status": "voided"}, "arrived voided"),
        ({"financial_status": "refunded"}, "arrived refunded"),
    ],
)
async def test_an_order_that_arrives_over_never_shows(
    harness: Harness, shop: str, overrides: dict[str, Any], reason: str
) -> None:
    # Shopify's own test order arrives cancelled and voided.
    assert await harness.put(shop, "orders/create", an_order(shop, **overrides)) == reason


async def test_a_cancel_before_its_order_is_kept_and_the_order_never_shows(
    harness: Harness, shop: str
) -> None:
    order = an_order(shop)
    change = await harness.put(shop, "orders/cancelled", cancelled(order, at=NOW))
    assert isinstance(change, NotificationChanged) and change.status == "retracted"
    assert await harness.put(shop, "orders/create", order) == "cancelled"
    assert harness.tables.marks[shop].orders[str(order["id"])].retracted == "cancelled"


async def test_a_cancel_after_its_order_retracts_the_notification(
    harness: Harness, shop: str
) -> None:
    order = an_order(shop)
    shown = await harness.put(shop, "orders/create", order)
    change = await harness.put(shop, "orders/cancelled", cancelled(order, at=NOW))
    assert isinstance(shown, Notification)
    assert change.ids == (shown.id,) and change.reason == "cancelled"


async def test_a_full_refund_retracts_and_a_partial_one_does_not(
    harness: Harness, shop: str
) -> None:
    order = an_order(shop)
    line = order["line_items"][0]["id"]
    shown = await harness.put(shop, "orders/create", order)
    await harness.recorder.write([shown])  # what the record agent does
    partial = refund(order, quantities={line: 1}, refund_id=1, at=NOW)
    assert await harness.put(shop, "refunds/create", partial) == "partial refund"
    # The same refund handled again (a redelivery) still refunds one unit only.
    assert await harness.put(shop, "refunds/create", partial) == "partial refund"
    rest = refund(order, quantities={line: 1}, refund_id=2, at=NOW)
    change = await harness.put(shop, "refunds/create", rest)
    assert isinstance(change, NotificationChanged)
    assert change.ids == (shown.id,) and change.reason == "refunded"


async def test_a_full_refund_before_its_order_keeps_it_from_showing(
    harness: Harness, shop: str
) -> None:
    order = an_order(shop)
    # Nothing recorded yet, so the refund alone cannot say whether it was full...
    assert await harness.put(shop, "refunds/create", refund(order, at=NOW)) == "partial refund"
    # ...but the order, when it comes, can.
    assert await harness.put(shop, "orders/create", order) == "refunded"


async def test_customer_redaction_marks_records_and_retracts(harness: Harness, shop: str) -> None:
    shown = an_order(shop)
    later = an_order(shop, id=shown["id"] + 1)
    notification = await harness.put(shop, "orders/create", shown)
    await harness.recorder.write([notification])
    request = {
        "shop_domain": shop,
        "customer": {"id": 7, "email": "x@example.com"},
        "orders_to_redact": [shown["id"], later["id"]],
    }
    change = await harness.put(shop, "customers/redact", request)
    assert change.status == "redacted"
    assert set(change.ids) == {
        notification_id(shop=shop, kind="order", source_id=str(o["id"])) for o in (shown, later)
    }
    # An order of the customer that comes after the request never shows.
    assert await harness.put(shop, "orders/create", later) == "redacted"


async def test_uninstall_and_redaction_go_to_the_lifecycle_topic(
    harness: Harness, shop: str
) -> None:
    at = NOW - timedelta(minutes=1)
    event = await harness.put(shop, "app/uninstalled", {"id": 1}, triggered_at=at)
    assert event == ShopLifecycle(
        shop=shop, kind="uninstalled", at=at, webhook_id="wh-app/uninstalled"
    )
    assert (await harness.lifecycle.get(timeout=5)).value == event


async def test_lifecycle_keeps_the_latest_event(harness: Harness, shop: str) -> None:
    reinstalled = ShopLifecycle(shop=shop, kind="installed", at=NOW)
    late_uninstall = ShopLifecycle(shop=shop, kind="uninstalled", at=NOW - timedelta(hours=1))
    async with harness.agents.lifecycle.test_context() as agent:
        await agent.put(reinstalled, key=shop)
        stale = await agent.put(late_uninstall, key=shop)
        assert agent.results[stale.message.offset] is None
    assert harness.tables.status[shop] == reinstalled


async def test_publish_writes_stream_once_and_takes_it_down(
    harness: Harness, redis: Redis, shop: str
) -> None:
    notification = Notification(
        id="n-1",
        webhook_id="w",
        shop=shop,
        order_id="1",
        text="Emma just bought X",
        fields={"first_name": "Emma"},
        product_title="X",
        occurred_at=NOW,
        created_at=NOW,
    )
    hidden = NotificationChanged(
        shop=shop, ids=("n-1",), status="hidden", reason="merchant", at=NOW
    )
    async with harness.agents.publish.test_context() as agent:
        first = await agent.put(notification, key=shop)
        again = await agent.put(notification, key=shop)
        assert agent.results[first.message.offset] is not None
        assert agent.results[again.message.offset] is None
        entries = await stream_entries(redis, stream_key(shop))
        assert len(entries) == 1
        assert orjson.loads(entries[0][1][b"n"])["text"] == "Emma just bought X"
        taken = await agent.put(hidden, key=shop)
        assert agent.results[taken.message.offset] == 1
    assert await redis.xlen(stream_key(shop)) == 0


async def test_record_writes_once_and_applies_changes_in_order(harness: Harness, shop: str) -> None:
    order = an_order(shop)
    notification = await harness.put(shop, "orders/create", order)
    retract = NotificationChanged(
        shop=shop, ids=(notification.id,), status="retracted", reason="cancelled", at=NOW
    )
    unhide = retract.model_copy(update={"status": "shown"})
    # One batch: the row, a redelivery of it, its retraction, and a show that must not win.
    recorded = await harness.recorder.write([notification, notification, retract, unhide])
    assert (recorded.saved, recorded.changed) == (1, 1)
    async with harness.recorder._db() as session:  # noqa: SLF001 - reading the sink's rows
        rows = (
            await session.execute(
                text("SELECT status, order_id FROM notifications WHERE shop = :s"), {"s": shop}
            )
        ).all()
    assert [tuple(row) for row in rows] == [("retracted", str(order["id"]))]


def a_product(product_id: int, updated: datetime, **overrides: Any) -> dict[str, Any]:
    """A `products/update` payload as the app's include_fields leave it."""
    return {
        "id": product_id,
        "handle": "blue-hoodie",
        "title": "Blue Hoodie",
        "status": "active",
        "updated_at": updated.isoformat(),
        "image": {"src": "https://cdn.shopify.com/s/files/1/hoodie.png"},
        **overrides,
    }


async def test_orders_join_the_catalogue_for_image_and_link(harness: Harness, shop: str) -> None:
    order = {
        "id": 7,
        "created_at": NOW.isoformat(),
        "line_items": [{"id": 5, "product_id": 9, "title": "Blue Hoodie", "quantity": 1}],
    }
    # Unknown product: no image, no link.
    await harness.put(shop, "orders/create", order)
    unknown = (await harness.notifications.get(timeout=5)).value
    assert (unknown.product_image, unknown.product_url) == (None, None)

    assert await harness.put(shop, "products/update", a_product(9, NOW)) == "product 9 saved"
    # A late delivery of an older version changes nothing.
    older = a_product(9, NOW - timedelta(hours=1), handle="old-hoodie")
    assert await harness.put(shop, "products/update", older) == "stale product update"
    await harness.put(shop, "orders/create", order | {"id": 8})
    joined = (await harness.notifications.get(timeout=5)).value
    assert joined.product_image == "https://cdn.shopify.com/s/files/1/hoodie.png"
    assert joined.product_url == "/products/blue-hoodie"

    # Drafted (no longer on the storefront), then the link would 404: gone from the table.
    drafted = a_product(9, NOW + timedelta(minutes=1), status="draft")
    assert await harness.put(shop, "products/update", drafted) == "product 9 removed"
    await harness.put(shop, "orders/create", order | {"id": 10})
    after = (await harness.notifications.get(timeout=5)).value
    assert (after.product_image, after.product_url) == (None, None)


async def test_a_product_without_a_handle_is_dead_lettered(harness: Harness, shop: str) -> None:
    letter = await harness.put(shop, "products/create", a_product(3, NOW, handle=""))
    assert isinstance(letter, DeadLetter)
    assert "handle" in letter.reason


async def test_an_engagement_report_delivered_again_counts_once(
    harness: Harness, shop: str
) -> None:
    nid = notification_id(shop=shop, kind="order", source_id="77")
    report = EngagementCounts(
        shop=shop, source="gateway-a:1", until=NOW, delivered={nid: 3}, clicks={nid: 1}
    )
    later = report.model_copy(update={"until": NOW + timedelta(seconds=5)})
    assert await harness.recorder.add_engagement([report, report]) == 1  # twice in a batch
    assert await harness.recorder.add_engagement([report, later]) == 1  # again, and a new one
    async with harness.db() as session:
        counted = (await session.execute(select(NotificationEngagement))).scalars().all()
    mine = [(row.delivered, row.clicks) for row in counted if row.id == nid]
    assert mine == [(6, 2)]  # the first report once, the later one once
