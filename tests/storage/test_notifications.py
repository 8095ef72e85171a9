"""The notification record on SQLite and PostgreSQL: idempotent inserts, status changes,
counts that may come first, keyset pages, retention to the microsecond."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schemas import Notification, NotificationChanged
from storage.engagement import add_engagement, engagement_by_day
from storage.notifications import (
    NotificationQuery,
    apply_change,
    delete_published_before,
    get_notification,
    list_notifications,
    notifications_of,
    order_units,
    save_notifications,
)

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def notification(shop: str, n: int, *, at: datetime = NOW, **changes: Any) -> Notification:
    values: dict[str, Any] = {
        "id": f"{shop[:10]}-{n}",
        "webhook_id": "wh",
        "shop": shop,
        "order_id": str(n),
        "text": f"Emma just bought Item {n}",
        "fields": {"first_name": "Emma", "product": f"Item {n}"},
        "product_id": "p1",
        "product_title": f"Item {n}",
        "line_items": {"11": 2},
        "occurred_at": at,
        "created_at": at,
    }
    return Notification.model_validate(values | changes)


def change(shop: str, status: str, *ids: str) -> NotificationChanged:
    return NotificationChanged.model_validate(
        {"shop": shop, "ids": ids, "status": status, "reason": "test", "at": NOW}
    )


async def test_a_notification_is_recorded_once(sessions: Sessions, shop: str) -> None:
    first = notification(shop, 1)
    async with sessions.begin() as session:
        assert await save_notifications(session, [first, first], now=NOW) == 1
        assert await save_notifications(session, [first], now=NOW) == 0
        row = await get_notification(session, shop=shop, notification_id=first.id)
        assert await order_units(session, shop=shop, notification_id=first.id) == {"11": 2}
    assert row is not None
    assert (row.status, row.text, row.delivered, row.occurred_at) == (
        "shown",
        first.text,
        0,
        NOW,
    )


async def test_status_changes_follow_their_rules(sessions: Sessions, shop: str) -> None:
    rows = [notification(shop, n) for n in range(3)]
    async with sessions.begin() as session:
        await save_notifications(session, rows, now=NOW)
        assert await apply_change(session, change(shop, "hidden", rows[0].id), now=NOW) == 1
        assert await apply_change(session, change(shop, "hidden", rows[0].id), now=NOW) == 0
        assert await apply_change(session, change(shop, "retracted", rows[0].id), now=NOW) == 1
        # Retracted stays retracted: showing it again changes nothing.
        assert await apply_change(session, change(shop, "shown", rows[0].id), now=NOW) == 0
        assert await apply_change(session, change(shop, "redacted", rows[1].id), now=NOW) == 1
        # Another shop cannot touch these rows.
        other = change("x" + shop, "deleted", rows[2].id)
        assert await apply_change(session, other, now=NOW) == 0
        assert await apply_change(session, change(shop, "deleted", rows[2].id), now=NOW) == 1
        found = await notifications_of(session, shop=shop, ids=[r.id for r in rows])
    assert [(r.status, r.text, r.fields) for r in found] == [
        ("retracted", rows[0].text, rows[0].fields),
        ("redacted", "", {}),
    ]


async def test_counts_add_up_even_before_their_row(sessions: Sessions, shop: str) -> None:
    early = notification(shop, 1)
    async with sessions.begin() as session:
        await add_engagement(
            session, shop=shop, counts={"delivered": {early.id: 3}}, day=NOW.date(), now=NOW
        )
    async with sessions.begin() as session:
        counts = {"delivered": {early.id: 2}, "impressions": {early.id: 2}, "clicks": {early.id: 1}}
        await add_engagement(session, shop=shop, counts=counts, day=NOW.date(), now=NOW)
        await save_notifications(session, [early], now=NOW)
        row = await get_notification(session, shop=shop, notification_id=early.id)
        days = await engagement_by_day(session, shop=shop, since=NOW.date())
    assert row is not None
    assert (row.delivered, row.impressions, row.hovers, row.clicks) == (5, 2, 0, 1)
    assert [(d.day, d.delivered, d.impressions, d.clicks) for d in days] == [(NOW.date(), 5, 2, 1)]


async def test_pages_are_newest_first_and_break_ties_by_id(sessions: Sessions, shop: str) -> None:
    rows = [notification(shop, n, at=NOW - timedelta(minutes=n // 2)) for n in range(7)]
    async with sessions.begin() as session:
        await save_notifications(session, rows, now=NOW)
    walked, after = [], None
    async with sessions() as session:
        while True:
            page = await list_notifications(
                session, shop=shop, query=NotificationQuery(), limit=3, after=after
            )
            walked += [r.id for r in page.items]
            if (after := page.after) is None:
                break
    expected = sorted(rows, key=lambda r: (r.occurred_at, r.id), reverse=True)
    assert walked == [r.id for r in expected]


async def test_retention_deletes_exactly_what_was_published_before(
    sessions: Sessions, shop: str
) -> None:
    # A day ago, not 30: the suite's worker runs the 30-day job on this database too.
    cut = datetime.now(UTC) - timedelta(days=1)
    rows = [
        notification(shop, 1, at=cut - timedelta(microseconds=1)),
        notification(shop, 2, at=cut),
        notification(shop, 3, at=cut + timedelta(days=1)),
    ]
    async with sessions.begin() as session:
        await save_notifications(session, rows, now=NOW)
        await add_engagement(
            session, shop=shop, counts={"delivered": {rows[0].id: 1}}, day=NOW.date(), now=NOW
        )
    async with sessions.begin() as session:
        assert await delete_published_before(session, before=cut) >= 1
        left = await notifications_of(session, shop=shop, ids=[r.id for r in rows])
    assert [r.id for r in left] == [rows[1].id, rows[2].id]
