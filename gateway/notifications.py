"""`/api/notifications`: the shop's stored notifications (with what shoppers did with
each), paged and filtered, and their moderation; `/api/engagement`: the shop's days.
Reads come from the record (SQL); a moderation is produced as a `NotificationChanged` on
the notifications topic (202) and applied by the worker to the record, the replay stream
and every live page, in order after the popup itself."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Literal

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.admin import BODY_ERRORS, MERCHANT_ERRORS, Admin, admin_of, json, merchant_body
from gateway.errors import BadRequest, NotFound
from gateway.openapi import Operation, documented, query
from gateway.store import database_errors
from schemas import NotificationChanged, PublicNotification
from schemas.api import (
    ID_PATTERN,
    Accepted,
    Engagement,
    EngagementDay,
    EngagementQuery,
    ErrorBody,
    InvalidBody,
    Moderation,
    NotificationList,
    NotificationQuery,
    Product,
    StoredNotificationView,
)
from storage import notifications as record
from storage.engagement import engagement_by_day
from streams.topics import NOTIFICATIONS

__all__ = ["decode_cursor", "encode_cursor", "routes"]


def encode_cursor(after: tuple[datetime, str]) -> str:
    """Opaque to clients: where the next page starts (occurred_at, id of the last row)."""
    raw = orjson.dumps([after[0].isoformat(), after[1]])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        occurred, nid = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        moment = datetime.fromisoformat(occurred)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise BadRequest("invalid cursor: pass the `next` of the previous page") from exc
    if not isinstance(nid, str) or moment.tzinfo is None:
        raise BadRequest("invalid cursor: pass the `next` of the previous page")
    return moment, nid


def _view(row: record.StoredNotification) -> StoredNotificationView:
    return StoredNotificationView(
        id=row.id,
        kind=row.kind,
        status=row.status,  # type: ignore[arg-type]
        text=row.text,
        fields=row.fields,
        product=Product(
            id=row.product_id, title=row.product_title, url=row.product_url, image=row.product_image
        ),
        order_id=row.order_id,
        occurred_at=row.occurred_at,
        published_at=row.published_at,
        delivered=row.delivered,
        impressions=row.impressions,
        hovers=row.hovers,
        clicks=row.clicks,
        click_through=click_through(row.clicks, row.impressions),
    )


def click_through(clicks: int, impressions: int) -> float | None:
    return round(clicks / impressions, 4) if impressions else None


@documented(
    Operation(
        "The shop's stored notifications, newest first, filtered and paged",
        {200: NotificationList, 400: ErrorBody, 422: InvalidBody, **MERCHANT_ERRORS},
        query=NotificationQuery,
        merchant=True,
        tags=("notifications",),
    )
)
async def list_notifications(request: Request) -> Response:
    admin = admin_of(request)
    shop = (await admin.caller(request)).shop
    params = query(request, NotificationQuery, ignore=("shop",))
    after = decode_cursor(params.cursor) if params.cursor else None
    filters = record.NotificationQuery(
        since=params.since,
        until=params.until,
        kind=params.kind,
        status=params.status,
        product_id=params.product_id,
        text=params.q,
    )
    async with database_errors(), admin.db() as session:
        page = await record.list_notifications(
            session, shop=shop, query=filters, limit=params.limit, after=after
        )
    return json(
        NotificationList(
            notifications=[_view(row) for row in page.items],
            next=encode_cursor(page.after) if page.after else None,
        )
    )


async def _stored(admin: Admin, shop: str, notification_id: str) -> record.StoredNotification:
    if re.fullmatch(ID_PATTERN, notification_id) is None:
        raise NotFound("no such notification in this shop")
    async with database_errors(), admin.db() as session:
        row = await record.get_notification(session, shop=shop, notification_id=notification_id)
    if row is None:
        raise NotFound("no such notification in this shop")
    return row


@documented(
    Operation(
        "One stored notification",
        {200: StoredNotificationView, 404: ErrorBody, **MERCHANT_ERRORS},
        path={"id": ID_PATTERN},
        merchant=True,
        tags=("notifications",),
    )
)
async def get_notification(request: Request) -> Response:
    admin = admin_of(request)
    shop = (await admin.caller(request)).shop
    return json(_view(await _stored(admin, shop, request.path_params["id"])))


async def _moderate(request: Request, status: Literal["hidden", "shown", "deleted"]) -> Response:
    admin = admin_of(request)
    caller = await admin.caller(request)
    row = await _stored(admin, caller.shop, request.path_params["id"])
    if status != "deleted" and row.status in ("retracted", "redacted"):
        raise BadRequest(f"this notification is {row.status}: it can only be deleted")
    change = NotificationChanged(
        shop=caller.shop,
        ids=(row.id,),
        status=status,
        reason=f"merchant {caller.user or ''}".strip(),
        at=datetime.now(UTC),
        public=PublicNotification(
            id=row.id,
            kind=row.kind,  # type: ignore[arg-type]
            text=row.text,
            fields=row.fields,
            product_image=row.product_image,
            product_url=row.product_url,
            occurred_at=row.occurred_at,
        )
        if status == "shown"
        else None,
    )
    await admin.producer.send(NOTIFICATIONS, key=caller.shop, value=change.to_json())
    return json(Accepted(), status_code=202)


@documented(
    Operation(
        "Hide a notification from storefronts, or show it again (applied by the worker)",
        {202: Accepted, 404: ErrorBody, **BODY_ERRORS, **MERCHANT_ERRORS},
        body=Moderation,
        path={"id": ID_PATTERN},
        merchant=True,
        tags=("notifications",),
    )
)
async def patch_notification(request: Request) -> Response:
    moderation = await merchant_body(request, Moderation, what="moderation")
    return await _moderate(request, moderation.status)


@documented(
    Operation(
        "Delete a notification: from the record, the replay stream and live pages",
        {202: Accepted, 400: ErrorBody, 404: ErrorBody, **MERCHANT_ERRORS},
        path={"id": ID_PATTERN},
        merchant=True,
        tags=("notifications",),
    )
)
async def delete_notification(request: Request) -> Response:
    return await _moderate(request, "deleted")


@documented(
    Operation(
        "The shop's delivered popups, impressions, hovers, clicks and click-through per day",
        {200: Engagement, 422: InvalidBody, **MERCHANT_ERRORS},
        query=EngagementQuery,
        merchant=True,
        tags=("notifications",),
    )
)
async def engagement(request: Request) -> Response:
    admin = admin_of(request)
    shop = (await admin.caller(request)).shop
    params = query(request, EngagementQuery, ignore=("shop",))
    since = datetime.now(UTC).date() - timedelta(days=params.days - 1)
    async with database_errors(), admin.db() as session:
        days = await engagement_by_day(session, shop=shop, since=since)
    return json(
        Engagement(
            days=[
                EngagementDay(
                    **asdict(day), click_through=click_through(day.clicks, day.impressions)
                )
                for day in days
            ]
        )
    )


routes = [
    Route("/api/engagement", engagement, methods=["GET"]),
    Route("/api/notifications", list_notifications, methods=["GET"]),
    Route("/api/notifications/{id}", get_notification, methods=["GET"]),
    Route("/api/notifications/{id}", patch_notification, methods=["PATCH"]),
    Route("/api/notifications/{id}", delete_notification, methods=["DELETE"]),
]
