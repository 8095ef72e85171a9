"""Notifications → SQL: the record merchants page through, and the compliance log.

Idempotent: a notification is inserted once (its id decides), a change applied twice
leaves the same rows, a compliance request is recorded once, and an engagement report is
added up once (its id is claimed in the same transaction as its counts).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agents.errors import database_errors
from schemas import (
    CustomerRequest,
    EngagementCounts,
    Notification,
    NotificationChanged,
    notification_id,
)
from schemas.engagement import ENGAGEMENT_KINDS
from storage.engagement import add_engagement, claim_reports, forget_reports_before
from storage.notifications import (
    apply_change,
    delete_published_before,
    notifications_of,
    order_units,
    save_notifications,
)
from storage.repository import RECORD_TABLES, record_compliance, redact_shop

__all__ = ["Recorded", "Recorder"]


@dataclass(frozen=True)
class Recorded:
    """What one batch did: rows inserted, rows changed."""

    saved: int
    changed: int


class Recorder:
    """The worker's database sink; every call is one transaction."""

    def __init__(
        self, db: async_sessionmaker[AsyncSession], *, clock: Callable[[], datetime]
    ) -> None:
        self._db = db
        self._clock = clock

    async def write(self, events: Sequence[Notification | NotificationChanged]) -> Recorded:
        """Record a batch in order: runs of new notifications go in as one INSERT each."""
        saved = changed = 0
        now = self._clock()
        run: list[Notification] = []
        async with database_errors(), self._db.begin() as session:
            for event in events:
                if isinstance(event, Notification):
                    run.append(event)
                    continue
                saved += await save_notifications(session, run, now=now)
                run = []
                changed += await apply_change(session, event, now=now)
            saved += await save_notifications(session, run, now=now)
        return Recorded(saved=saved, changed=changed)

    async def add_engagement(self, reports: Sequence[EngagementCounts]) -> int:
        """Add up the gateways' reports (per notification and per shop and day), each once
        however often it is delivered; returns how many were new."""
        now = self._clock()
        async with database_errors(), self._db.begin() as session:
            fresh = await claim_reports(
                session, {report.report_id: report.shop for report in reports}, now=now
            )
            counts: dict[str, dict[str, Counter[str]]] = {}
            for report in reports:
                if report.report_id not in fresh:
                    continue
                fresh.discard(report.report_id)  # the same report twice in one batch: once
                added = counts.setdefault(
                    report.shop, {kind: Counter() for kind in ENGAGEMENT_KINDS}
                )
                for kind in ENGAGEMENT_KINDS:
                    added[kind].update(getattr(report, kind))
            for shop, kinds in counts.items():
                await add_engagement(session, shop=shop, counts=kinds, day=now.date(), now=now)
        return len(counts)

    async def order_units(self, *, shop: str, order_id: str) -> dict[str, int] | None:
        """The line items of a recorded order (None when it was never shown)."""
        nid = notification_id(shop=shop, kind="order", source_id=order_id)
        async with database_errors(), self._db() as session:
            return await order_units(session, shop=shop, notification_id=nid)

    async def customer_request(self, request: CustomerRequest) -> dict[str, Any]:
        """Record a customer request with what the record holds of those orders (a data
        request lists the first name and city per order); returns the recorded details."""
        ids = {
            notification_id(shop=request.shop, kind="order", source_id=order): order
            for order in request.order_ids
        }
        async with database_errors(), self._db.begin() as session:
            rows = await notifications_of(session, shop=request.shop, ids=ids)
            if request.topic == "customers/data_request":
                details: dict[str, Any] = {
                    "held": [
                        {
                            "order_id": row.order_id,
                            **{k: row.fields[k] for k in ("first_name", "city") if k in row.fields},
                        }
                        for row in rows
                    ]
                }
            else:
                details = {"orders": list(request.order_ids), "notifications_redacted": len(rows)}
            await record_compliance(
                session,
                shop=request.shop,
                topic=request.topic,
                request_id=request.request_id,
                customer_id=request.customer_id,
                details=details,
                now=self._clock(),
            )
        return details

    async def erase_shop(self, shop: str) -> dict[str, int]:
        """shop/redact: every notification and compliance record of the shop."""
        async with database_errors(), self._db.begin() as session:
            return await redact_shop(session, shop=shop, tables=RECORD_TABLES)

    async def expire(self, *, before: datetime) -> int:
        """The retention job: rows published before `before` (and engagement report ids
        older than a day)."""
        async with database_errors(), self._db.begin() as session:
            await forget_reports_before(session, before=self._clock() - timedelta(days=1))
            return await delete_published_before(session, before=before)
