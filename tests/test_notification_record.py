"""The notification record on the real stack (gateway and worker processes, the broker,
Redis, PostgreSQL): one row per order whatever Shopify or Kafka repeat, retractions,
moderation, delivery counts, retention, erasure."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx
import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schemas import Notification, WebhookEnvelope
from simulator.followups import cancelled, refund
from simulator.orders import OrderFactory
from simulator.webhooks import headers as shopify_headers
from storage.database import create_engine, sessionmaker
from storage.notifications import save_notifications
from streams.redis import shop_keys
from streams.topics import DEAD_LETTERS, NOTIFICATIONS, RAW_WEBHOOKS
from tests.conftest import Stack
from tests.fixtures import (
    SSEEvent,
    eventually,
    open_stream,
    post_webhook,
    product_is,
    stream_entries,
)

pytestmark = pytest.mark.integration


@pytest.fixture
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        yield client


@pytest.fixture
async def db(stack: Stack) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(stack.database_url)
    yield sessionmaker(engine)
    await engine.dispose()


def titled(
    orders: OrderFactory, title: str, *, quantity: int = 1, **overrides: Any
) -> dict[str, Any]:
    """An order of one line item, `quantity` units of `title`."""
    order = orders.order(**overrides)
    order["line_items"] = order["line_items"][:1]
    order["line_items"][0] |= {"title": title, "quantity": quantity}
    return order


async def send(
    client: httpx.AsyncClient,
    stack: Stack,
    shop: str,
    payload: dict[str, Any],
    topic: str = "orders/create",
) -> None:
    body = orjson.dumps(payload)
    response = await post_webhook(
        client, "/webhooks/shopify", secret=stack.secret, shop=shop, body=body, topic=topic
    )
    assert response.status_code == 200, response.text


async def listing(client: httpx.AsyncClient, shop: str, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/notifications", params={"shop": shop, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def stored(client: httpx.AsyncClient, shop: str, nid: str) -> dict[str, Any] | None:
    response = await client.get(f"/api/notifications/{nid}", params={"shop": shop})
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def products(events: list[SSEEvent]) -> list[str]:
    return [e.json()["fields"]["product"] for e in events if e.event == "notification"]


async def status_is(client: httpx.AsyncClient, shop: str, nid: str, status: str | None) -> None:
    async def check() -> bool:
        row = await stored(client, shop, nid)
        return (row and row["status"]) == status

    await eventually(check)


def stream_url(stack: Stack, shop: str) -> str:
    return f"{stack.url}/v1/storefront/{shop}/stream"


async def test_repeated_deliveries_give_one_row_and_one_popup(
    stack: Stack, client: httpx.AsyncClient, orders: OrderFactory, shop: str
) -> None:
    payload = titled(orders, "Only Once")
    body = orjson.dumps(payload)
    async with open_stream(stream_url(stack, shop)) as stream:
        same = shopify_headers(secret=stack.secret, body=body, topic="orders/create", shop=shop)
        for _ in range(2):  # one delivery, twice (same webhook and event ids)
            assert (await client.post("/webhooks/shopify", content=body, headers=same)).is_success
        await send(client, stack, shop, payload)  # Shopify's redelivery: new ids
        # And the broker handing the same envelope over twice (a worker crash before commit).
        envelope = WebhookEnvelope.encode(
            webhook_id="kafka-redelivery",
            event_id=None,
            topic="orders/create",
            shop=shop,
            api_version="2026-10",
            triggered_at=None,
            received_at=datetime.now(UTC),
            raw_payload=body,
        )
        producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, acks="all")
        await producer.start()
        try:
            for _ in range(2):
                await producer.send_and_wait(RAW_WEBHOOKS, envelope, key=shop.encode())
        finally:
            await producer.stop()
        await send(client, stack, shop, titled(orders, "Sentinel"))
        assert products(await stream.until(product_is("Sentinel"))) == ["Only Once", "Sentinel"]

    async def both_recorded() -> bool:
        return len((await listing(client, shop))["notifications"]) == 2

    await eventually(both_recorded)
    assert len((await listing(client, shop, q="only once"))["notifications"]) == 1


async def test_cancelled_before_or_on_arrival_never_shows(
    stack: Stack, client: httpx.AsyncClient, orders: OrderFactory, shop: str
) -> None:
    early_cancel = titled(orders, "Cancelled First")
    arrives_voided = titled(
        orders,
        "Arrives Voided",
        cancelled_at="2026-11-25T12:00:00-05:00",
        financial_status="voided",
    )
    async with open_stream(stream_url(stack, shop)) as stream:
        await send(client, stack, shop, cancelled(early_cancel), topic="orders/cancelled")
        await send(client, stack, shop, early_cancel)
        await send(client, stack, shop, arrives_voided)
        await send(client, stack, shop, titled(orders, "Sentinel"))
        before = await stream.until(product_is("Sentinel"))
    assert products(before) == ["Sentinel"]

    async def sentinel_recorded() -> bool:
        rows = (await listing(client, shop))["notifications"]
        return [r["product"]["title"] for r in rows] == ["Sentinel"]

    await eventually(sentinel_recorded)


async def test_a_full_refund_retracts_and_a_partial_one_does_not(
    stack: Stack, client: httpx.AsyncClient, orders: OrderFactory, shop: str
) -> None:
    order = titled(orders, "Refunded Lamp", quantity=2)
    line = order["line_items"][0]["id"]
    async with open_stream(stream_url(stack, shop)) as stream:
        await send(client, stack, shop, order)
        shown = (await stream.next(timeout=20)).json()
        await status_is(client, shop, shown["id"], "shown")  # refunds are judged by the record
        await send(client, stack, shop, refund(order, quantities={line: 1}), "refunds/create")
        await send(client, stack, shop, titled(orders, "Sentinel"))
        before = await stream.until(product_is("Sentinel"))
        assert [e.event for e in before if e.event == "retract"] == []
        assert (await stored(client, shop, shown["id"]) or {})["status"] == "shown"
        await send(client, stack, shop, refund(order, quantities={line: 1}), "refunds/create")
        assert (await stream.next("retract", timeout=20)).json() == {"id": shown["id"]}
    await status_is(client, shop, shown["id"], "retracted")


async def test_hide_unhide_delete_reach_the_record_the_replay_and_live_pages(
    stack: Stack, client: httpx.AsyncClient, orders: OrderFactory, shop: str
) -> None:
    async with open_stream(stream_url(stack, shop)) as live:
        await send(client, stack, shop, titled(orders, "Moderated Vase"))
        vase = (await live.next(timeout=20)).json()["id"]
        await send(client, stack, shop, titled(orders, "Kept Bowl"))
        await live.next(timeout=20)
        await status_is(client, shop, vase, "shown")

        async def replayed(sentinel: str) -> list[str]:
            async with open_stream(stream_url(stack, shop), last_event_id="0-1") as again:
                await send(client, stack, shop, titled(orders, sentinel))
                return products(await again.until(product_is(sentinel)))

        hidden = await client.patch(
            f"/api/notifications/{vase}", params={"shop": shop}, json={"status": "hidden"}
        )
        assert hidden.status_code == 202, hidden.text
        assert (await live.next("retract", timeout=20)).json() == {"id": vase}
        await status_is(client, shop, vase, "hidden")
        assert "Moderated Vase" not in await replayed("Sentinel 1")

        shown = await client.patch(
            f"/api/notifications/{vase}", params={"shop": shop}, json={"status": "shown"}
        )
        assert shown.status_code == 202
        await status_is(client, shop, vase, "shown")
        assert "Moderated Vase" in await replayed("Sentinel 2")

        deleted = await client.delete(f"/api/notifications/{vase}", params={"shop": shop})
        assert deleted.status_code == 202
        assert (await live.next("retract", timeout=20)).json() == {"id": vase}
        await status_is(client, shop, vase, None)
        assert "Moderated Vase" not in await replayed("Sentinel 3")


async def test_moderation_refuses_what_it_cannot_do(client: httpx.AsyncClient, shop: str) -> None:
    missing = await client.patch(
        "/api/notifications/0123", params={"shop": shop}, json={"status": "hidden"}
    )
    assert missing.status_code == 404 and "error" in missing.json()
    wrong = await client.patch(
        "/api/notifications/0123", params={"shop": shop}, json={"status": "retracted"}
    )
    assert wrong.status_code == 422 and "status" in wrong.json()["fields"]
    garbled = await client.patch(
        "/api/notifications/0123", params={"shop": shop}, content=b"{not json"
    )
    assert garbled.status_code == 400
    bad_cursor = await client.get("/api/notifications", params={"shop": shop, "cursor": "zz"})
    assert bad_cursor.status_code == 400 and "cursor" in bad_cursor.json()["error"]
    too_many = await client.get("/api/notifications", params={"shop": shop, "limit": 101})
    assert too_many.status_code == 422 and "limit" in too_many.json()["fields"]


def row(shop: str, n: int, *, occurred: datetime, **changes: Any) -> Notification:
    values: dict[str, Any] = {
        "id": f"{shop[:12]}-{n:06d}",
        "webhook_id": f"wh-{n}",
        "shop": shop,
        "order_id": str(n),
        "text": f"Someone just bought Item {n}",
        "fields": {"product": f"Item {n}"},
        "product_id": str(n % 7),
        "product_title": f"Item {n}",
        "occurred_at": occurred,
        "created_at": occurred,
    }
    return Notification.model_validate(values | changes)


async def save(db: async_sessionmaker[AsyncSession], rows: list[Notification]) -> None:
    for start in range(0, len(rows), 500):
        async with db.begin() as session:
            await save_notifications(session, rows[start : start + 500], now=datetime.now(UTC))


async def test_paging_walks_1000_rows_without_gap_or_repeat_while_rows_arrive(
    client: httpx.AsyncClient, db: async_sessionmaker[AsyncSession], shop: str
) -> None:
    # Within the retention (the stack's worker deletes older rows every 2 s).
    start = datetime.now(UTC) - timedelta(days=2)
    # Three rows per second: pages must break ties by id.
    originals = [row(shop, n, occurred=start + timedelta(seconds=n // 3)) for n in range(1000)]
    await save(db, originals)
    walked: list[str] = []

    async def arrive() -> None:
        # New rows, newer and older than the ones being walked, while the walk goes on.
        for n in range(1000, 1100):
            when = start + timedelta(seconds=(n - 1000) * 7 if n % 2 else 10_000 + n)
            await save(db, [row(shop, n, occurred=when)])
            await asyncio.sleep(0)

    arriving = asyncio.create_task(arrive())
    cursor = None
    while True:
        page = await listing(client, shop, limit=100, **({"cursor": cursor} if cursor else {}))
        walked += [n["id"] for n in page["notifications"]]
        if (cursor := page["next"]) is None:
            break
    await arriving
    assert len(walked) == len(set(walked)), "a row was listed twice"
    assert {n.id for n in originals} <= set(walked), "a row was skipped"
    newest_first = sorted(originals, key=lambda n: (n.occurred_at, n.id), reverse=True)
    mine = {n.id for n in originals}
    assert [nid for nid in walked if nid in mine] == [n.id for n in newest_first]


async def test_filters_combine(
    client: httpx.AsyncClient, db: async_sessionmaker[AsyncSession], shop: str
) -> None:
    start = datetime.now(UTC) - timedelta(days=1)
    rows = [
        row(shop, n, occurred=start + timedelta(hours=n), product_title=title)
        for n, title in enumerate(["Brass Lamp", "Oak Lamp", "brass LAMP shade", "Rug", "Lamp"])
    ]
    await save(db, rows)
    async with db.begin() as session:
        await session.execute(
            text("UPDATE notifications SET status = 'hidden' WHERE id = :id"), {"id": rows[2].id}
        )
    found = await listing(
        client,
        shop,
        q="brass lamp",
        since=(start + timedelta(hours=1)).isoformat(),
        until=(start + timedelta(hours=4)).isoformat(),
    )
    assert [n["id"] for n in found["notifications"]] == [rows[2].id]
    assert found["notifications"][0]["status"] == "hidden"
    shown_lamps = await listing(client, shop, q="lamp", status="shown")
    assert [n["id"] for n in shown_lamps["notifications"]] == [rows[4].id, rows[1].id, rows[0].id]
    by_product = await listing(client, shop, product_id=rows[3].product_id, kind="order")
    assert [n["id"] for n in by_product["notifications"]] == [rows[3].id]
    assert (await listing(client, shop, q="100%_"))["notifications"] == []  # literal wildcards


async def test_delivered_counts_reach_the_record(
    stack: Stack, client: httpx.AsyncClient, orders: OrderFactory, shop: str
) -> None:
    async with (
        open_stream(stream_url(stack, shop)) as first,
        open_stream(stream_url(stack, shop)) as second,
    ):
        await send(client, stack, shop, titled(orders, "Counted Cup"))
        nid = (await first.next(timeout=20)).json()["id"]
        await second.next(timeout=20)
    async with open_stream(stream_url(stack, shop), last_event_id="0-1") as third:
        await third.next(timeout=20)  # a replay is a delivery too

    async def delivered_three_times() -> bool:
        return ((await stored(client, shop, nid)) or {}).get("delivered") == 3

    await eventually(delivered_three_times)


async def test_the_retention_job_deletes_exactly_the_old_rows(
    client: httpx.AsyncClient, db: async_sessionmaker[AsyncSession], shop: str
) -> None:
    now = datetime.now(UTC)
    old = row(shop, 1, occurred=now - timedelta(days=31))
    kept = row(shop, 2, occurred=now - timedelta(days=29))
    await save(db, [old, kept])

    async def only_kept() -> bool:  # the stack's worker runs the job every 2 s
        return [n["id"] for n in (await listing(client, shop))["notifications"]] == [kept.id]

    await eventually(only_kept)


async def test_topics_holding_customer_data_have_a_bounded_retention(stack: Stack) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.bootstrap)
    await admin.start()
    try:
        answers = await admin.describe_configs(
            [
                ConfigResource(ConfigResourceType.TOPIC, name)
                for name in (RAW_WEBHOOKS, NOTIFICATIONS, DEAD_LETTERS)
            ]
        )
    finally:
        await admin.close()
    retention = {
        resource[3]: {entry[0]: entry[1] for entry in resource[4]}.get("retention.ms")
        for answer in answers
        for resource in answer.resources
    }
    week = str(7 * 24 * 3600 * 1000)
    assert retention == {RAW_WEBHOOKS: week, NOTIFICATIONS: week, DEAD_LETTERS: week}


async def read_topic(bootstrap: str, topic: str) -> list[tuple[bytes | None, bytes | None]]:
    """Every (key, value) of a topic, from its start to its end now."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list[tuple[bytes | None, bytes | None]] = []
    try:
        async with asyncio.timeout(20):
            while not consumer.assignment():
                await asyncio.sleep(0.05)
            ends = await consumer.end_offsets(list(consumer.assignment()))
            while [tp for tp, end in ends.items() if await consumer.position(tp) < end]:
                batch = await consumer.getmany(timeout_ms=500)
                records += [(m.key, m.value) for messages in batch.values() for m in messages]
    finally:
        await consumer.stop()
    return records


async def shop_values(redis: Redis, shop: str) -> list[bytes]:
    """Every value Redis holds under the shop's keys (strings and stream entries)."""
    values: list[bytes] = []
    async for key in redis.scan_iter(match=shop_keys(shop), count=1000):
        kind = await redis.type(key)
        if kind == b"stream":
            entries = await stream_entries(redis, key)
            values += [v for _, fields in entries for v in fields.values()]
        elif kind == b"string":
            values.append(cast(bytes | None, await redis.get(key)) or b"")
    return values


async def test_customer_and_shop_redaction_leave_nothing_behind(
    stack: Stack,
    client: httpx.AsyncClient,
    db: async_sessionmaker[AsyncSession],
    redis: Redis,
    orders: OrderFactory,
    shop: str,
) -> None:
    name = "Xanthippe"
    order = titled(orders, "Redacted Teapot")
    order["customer"] = {**(order["customer"] or {}), "first_name": name}
    order["shipping_address"] = {**(order["shipping_address"] or {}), "first_name": name}
    async with open_stream(stream_url(stack, shop)) as stream:
        await send(client, stack, shop, order)
        shown = (await stream.next(timeout=20)).json()
        assert name in shown["text"]
        await status_is(client, shop, shown["id"], "shown")
        redact = {
            "shop_domain": shop,
            "customer": {"id": 1, "email": "x@example.com"},
            "orders_to_redact": [order["id"]],
        }
        await send(client, stack, shop, redact, topic="customers/redact")
        assert (await stream.next("retract", timeout=20)).json() == {"id": shown["id"]}
    await status_is(client, shop, shown["id"], "redacted")
    async with db() as session:
        rows = (
            await session.execute(
                text(
                    "SELECT n::text FROM notifications n WHERE n.shop = :s "
                    "UNION ALL SELECT c::text FROM compliance_records c WHERE c.shop = :s"
                ),
                {"s": shop},
            )
        ).scalars()
        assert [r for r in rows if name in r] == []
    assert not [v for v in await shop_values(redis, shop) if name.encode() in v]
    changelogs = [
        f"{stack.worker_id}-{table}-changelog"
        for table in ("order-marks", "shop-settings", "shop-status")
    ]
    for changelog in changelogs:
        assert not [
            v for _, v in await read_topic(stack.bootstrap, changelog) if v and name.encode() in v
        ]

    # shop/redact (48 h after uninstall): the shop's rows, keys and table entries go.
    await client.put("/api/settings", params={"shop": shop}, json={"templates": ["{product}!"]})

    async def settings_applied() -> bool:
        body = (await client.get("/api/settings", params={"shop": shop})).json()
        return bool(body["settings"]["templates"] == ["{product}!"])

    await eventually(settings_applied)
    await send(client, stack, shop, {"shop_id": 1, "shop_domain": shop}, topic="shop/redact")

    async def erased() -> bool:
        async with db() as session:
            counts = [
                (
                    await session.execute(
                        text(f"SELECT count(*) FROM {table} WHERE shop = :s"),  # noqa: S608
                        {"s": shop},
                    )
                ).scalar_one()
                for table in ("notifications", "compliance_records")
            ]
        keys = [k async for k in redis.scan_iter(match=shop_keys(shop), count=1000)]
        return counts == [0, 0] and not keys

    await eventually(erased)
    latest: dict[str, bytes | None] = {}
    for changelog in changelogs:
        for key, value in await read_topic(stack.bootstrap, changelog):
            if key == shop.encode():
                latest[changelog] = value
    marks, settings, status = (latest.get(c, b"absent") for c in changelogs)
    assert marks is None and settings is None  # tombstones
    assert status is not None and orjson.loads(status)["kind"] == "redacted"
