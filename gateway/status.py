"""GET /api/status: what a merchant or a support engineer checks first when popups do not
show. Each part is read where it lives (the SQL record, Shopify's Admin API, the
dead-letter topic, the lag gauge); a part that cannot be read says so instead of failing
the whole answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from prometheus_client import Metric
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.admin import MERCHANT_ERRORS, admin_of, json
from gateway.openapi import Operation, documented
from gateway.store import database_errors
from proofstream.errors import ServiceError
from schemas.api import IntegrationStatus
from shopify_app.embed import embed_status
from shopify_app.errors import ShopifyError
from storage.shops import shop_status
from streams.deadletters import read_letters
from streams.lag import CONSUMER_LAG

__all__ = ["routes", "status"]

RECENT = timedelta(hours=24)


@documented(
    Operation(
        "The shop's integration status: install, token, app embed, recent popups and dead "
        "letters, lag",
        {200: IntegrationStatus, **MERCHANT_ERRORS},
        merchant=True,
        tags=("api",),
    )
)
async def status(request: Request) -> Response:
    admin = admin_of(request)
    shop = (await admin.caller(request)).shop
    since = datetime.now(UTC) - RECENT
    async with database_errors(), admin.db() as session:
        record = await shop_status(session, shop=shop, since=since)
    return json(
        IntegrationStatus(
            shop=shop,
            installed=record.installed_at is not None and record.uninstalled_at is None,
            installed_at=record.installed_at,
            uninstalled_at=record.uninstalled_at,
            scopes=sorted(s for s in (record.scope or "").split(",") if s),
            api_version=record.api_version,
            offline_token_expires_at=record.token_expires_at,
            refresh_token_expires_at=record.refresh_token_expires_at,
            app_embed=await _app_embed(request, shop),
            last_deliveries=await admin.store.last_deliveries(shop),
            notifications_24h=record.notifications,
            last_notification_at=record.last_notification_at,
            dead_letters_24h=await _dead_letters(request, shop, since),
            messages_waiting=_messages_waiting(),
        )
    )


async def _app_embed(request: Request, shop: str) -> Literal["on", "off", "unknown"]:
    admin = admin_of(request)
    try:
        found = await embed_status(
            admin.shops.admin,
            shop,
            api_key=admin.settings.shopify_api_key,
            app_handle=admin.settings.shopify_app_handle,
            block_handle=admin.settings.shopify_embed_block,
        )
    except ShopifyError:
        return "unknown"
    return "on" if found.enabled else "off"


async def _dead_letters(request: Request, shop: str, since: datetime) -> int | None:
    try:
        letters = read_letters(admin_of(request).settings.brokers, since=since)
        return sum([1 async for item in letters if item.letter.key == shop])
    except ServiceError:
        return None


def _messages_waiting() -> int | None:
    """The lag this gateway last read (it reports the gauge every PROOFSTREAM_LAG_INTERVAL_S)."""
    families: list[Metric] = list(CONSUMER_LAG.collect())
    samples = [sample.value for family in families for sample in family.samples]
    return int(sum(samples)) if samples else None


routes = [Route("/api/status", status, methods=["GET"])]
