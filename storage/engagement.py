"""What storefronts did with notifications, in SQL: per notification (beside the record)
and per shop and day. The worker adds the gateways' reports (`add_engagement`); the
gateway reads the days (`engagement_by_day`). Every function takes an `AsyncSession`
whose transaction the caller owns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import FromClause, Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from schemas.engagement import ENGAGEMENT_KINDS
from storage.models import EngagementDaily, EngagementReport, NotificationEngagement
from storage.repository import dialect_insert

__all__ = [
    "DayEngagement",
    "add_engagement",
    "claim_reports",
    "engagement_by_day",
    "forget_reports_before",
]


@dataclass(frozen=True)
class DayEngagement:
    """One day of a shop's engagement."""

    day: date
    delivered: int
    impressions: int
    hovers: int
    clicks: int


async def add_engagement(
    session: AsyncSession,
    *,
    shop: str,
    counts: Mapping[str, Mapping[str, int]],
    day: date,
    now: datetime,
) -> None:
    """Add `counts` (kind → notification id → count) to each notification, whether or not
    it is recorded yet (a report may overtake it), and to the shop's `day`."""
    ids = sorted({nid for kind in ENGAGEMENT_KINDS for nid in counts.get(kind, {})})
    if not ids:
        return
    # One cached statement executed for every notification, as in `save_notifications`:
    # a new multi-VALUES statement per report took 50-70 ms of the worker's CPU for 240
    # counts, long enough to show in the popups' p99 (bench/RESULTS.md).
    await _add_up(
        session,
        NotificationEngagement.__table__,
        keys=("id",),
        rows=[
            {"id": nid, "shop": shop, "updated_at": now}
            | {kind: counts.get(kind, {}).get(nid, 0) for kind in ENGAGEMENT_KINDS}
            for nid in ids
        ],
    )
    await _add_up(
        session,
        EngagementDaily.__table__,
        keys=("shop", "day"),
        rows=[
            {"shop": shop, "day": day, "updated_at": now}
            | {kind: sum(counts.get(kind, {}).values()) for kind in ENGAGEMENT_KINDS}
        ],
    )


async def _add_up(
    session: AsyncSession, table: FromClause, *, keys: Sequence[str], rows: list[dict[str, Any]]
) -> None:
    """Upsert `rows` into `table` on `keys`, adding each kind's count to what is there."""
    assert isinstance(table, Table)
    insert = await dialect_insert(session, table)
    added = {kind: table.c[kind] + insert.excluded[kind] for kind in ENGAGEMENT_KINDS}
    statement = insert.on_conflict_do_update(
        index_elements=[table.c[key] for key in keys],
        set_=added | {"updated_at": insert.excluded.updated_at},
    )
    await (await session.connection()).execute(statement, rows)


async def claim_reports(
    session: AsyncSession, reports: Mapping[str, str], *, now: datetime
) -> set[str]:
    """Of `reports` (report id → shop), the ids never claimed before, now claimed: only
    those are added up, so a report delivered again is counted once."""
    if not reports:
        return set()
    table = EngagementReport.__table__
    assert isinstance(table, Table)
    insert = await dialect_insert(session, table)
    claimed = await session.execute(
        insert.on_conflict_do_nothing(index_elements=[table.c.id]).returning(table.c.id),
        [{"id": rid, "shop": shop, "added_at": now} for rid, shop in sorted(reports.items())],
    )
    return {str(rid) for rid in claimed.scalars()}


async def forget_reports_before(session: AsyncSession, *, before: datetime) -> int:
    """The retention job: report ids claimed before `before` (a redelivery comes within
    minutes of the report, never a day later)."""
    result = await session.execute(
        delete(EngagementReport).where(EngagementReport.added_at < before)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def engagement_by_day(
    session: AsyncSession, *, shop: str, since: date
) -> list[DayEngagement]:
    """The shop's days from `since` on, oldest first (days without any report left out)."""
    rows = await session.execute(
        select(
            EngagementDaily.day,
            EngagementDaily.delivered,
            EngagementDaily.impressions,
            EngagementDaily.hovers,
            EngagementDaily.clicks,
        )
        .where(EngagementDaily.shop == shop, EngagementDaily.day >= since)
        .order_by(EngagementDaily.day)
    )
    return [DayEngagement(**row._asdict()) for row in rows]
