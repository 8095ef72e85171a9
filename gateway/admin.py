"""The merchant side: the dashboard page and `/api/*` (settings, preview, test, recent).

Every API call is authenticated by the Shopify session token (`Authorization: Bearer`);
in dev mode (`PROOFSTREAM_DEV_MODE`, said loudly at start) `?shop=` stands in for it.
Saving settings produces a `ShopSettingsChanged` event; nothing here writes state.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import ValidationError
from redis.asyncio import Redis
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from agents.render import render
from agents.samples import sample_order, sample_webhook
from gateway.errors import BadRequest, InvalidInput, NotFound, Unauthorized
from gateway.pages import fill
from gateway.producer import EnvelopeProducer
from gateway.sessions import SessionToken, verify_session_token
from gateway.shops import Shops
from proofstream.settings import Settings
from schemas import ShopSettings, ShopSettingsChanged, is_shop_domain
from schemas.settings import DEFAULT_TEMPLATES, PLACEHOLDERS
from shopify_app.embed import embed_status
from streams.redis import settings_key, stream_key
from streams.topics import RAW_WEBHOOKS, SETTINGS

__all__ = ["Admin", "routes"]


@dataclass
class Admin:
    """Dependencies of the merchant routes, built in the gateway's lifespan."""

    settings: Settings
    redis: Redis
    producer: EnvelopeProducer
    shops: Shops
    admin_html: str
    preview_html: str

    async def caller(self, request: Request) -> SessionToken:
        """The authenticated shop of an API request; installs it on its first call."""
        authorization = request.headers.get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token:
            session = verify_session_token(
                token.strip(),
                api_key=self.settings.shopify_api_key,
                secret=self.settings.shopify_api_secret.get_secret_value(),
            )
            await self.shops.ensure_installed(session.shop, session_token=token.strip())
            return session
        shop = request.query_params.get("shop", "")
        if self.settings.dev_mode and is_shop_domain(shop):
            return SessionToken(shop=shop, user="dev")
        raise Unauthorized("missing session token")

    async def current(self, shop: str) -> ShopSettings:
        raw = await self.redis.get(settings_key(shop))
        return ShopSettings.model_validate_json(raw) if raw else ShopSettings()


def _admin(request: Request) -> Admin:
    admin: Admin = request.app.state.admin
    return admin


async def _settings_body(request: Request) -> ShopSettings:
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        raise BadRequest("body is not JSON") from exc
    try:
        return ShopSettings.model_validate(body)
    except ValidationError as exc:
        fields = {
            ".".join(str(part) for part in error["loc"]) or "body": error["msg"].removeprefix(
                "Value error, "
            )
            for error in exc.errors()
        }
        raise InvalidInput("invalid settings", fields=fields) from exc


def _shop_page(request: Request) -> str:
    shop = request.query_params.get("shop", "")
    if not is_shop_domain(shop):
        raise NotFound("open the dashboard from your Shopify admin (?shop= is missing)")
    return shop


async def page(request: Request) -> Response:
    admin = _admin(request)
    shop = _shop_page(request)
    return HTMLResponse(
        fill(
            admin.admin_html,
            SHOP=shop,
            API_KEY=admin.settings.shopify_api_key,
            DEV_MODE="true" if admin.settings.dev_mode else "false",
            PREVIEW_URL=f"/admin/preview?shop={shop}",
        )
    )


async def preview_page(request: Request) -> Response:
    admin = _admin(request)
    shop = _shop_page(request)
    widget_url = admin.settings.public_url.rstrip("/") + "/widget.js"
    return HTMLResponse(fill(admin.preview_html, SHOP=shop, WIDGET_URL=widget_url))


async def get_settings(request: Request) -> Response:
    admin = _admin(request)
    shop = (await admin.caller(request)).shop
    return JSONResponse(
        {
            "shop": shop,
            "settings": (await admin.current(shop)).model_dump(mode="json"),
            "placeholders": list(PLACEHOLDERS),
            "default_templates": DEFAULT_TEMPLATES,
        }
    )


async def put_settings(request: Request) -> Response:
    admin = _admin(request)
    caller = await admin.caller(request)
    settings = await _settings_body(request)
    change = ShopSettingsChanged(
        shop=caller.shop, settings=settings, changed_at=datetime.now(UTC), changed_by=caller.user
    )
    await admin.producer.send(SETTINGS, key=caller.shop, value=change.to_json())
    return JSONResponse(
        {"status": "accepted", "settings": settings.model_dump(mode="json")}, status_code=202
    )


async def preview(request: Request) -> Response:
    admin = _admin(request)
    shop = (await admin.caller(request)).shop
    settings = await _settings_body(request)
    now = datetime.now(UTC)
    notification = render(
        sample_order(shop=shop, order_id="preview", now=now), settings=settings, now=now
    )
    return JSONResponse(
        {
            "notification": notification.public().model_dump(mode="json"),
            "config": settings.widget_config().model_dump(mode="json"),
        }
    )


async def test_notification(request: Request) -> Response:
    admin = _admin(request)
    shop = (await admin.caller(request)).shop
    webhook = sample_webhook(shop=shop, order_id=f"test-{uuid.uuid4().hex}", now=datetime.now(UTC))
    # Through the whole worker pipeline, rendered with the shop's saved settings.
    await admin.producer.send(RAW_WEBHOOKS, key=shop, value=webhook.to_json())
    return JSONResponse({"status": "accepted"}, status_code=202)


async def embed(request: Request) -> Response:
    admin = _admin(request)
    shop = (await admin.caller(request)).shop
    settings = admin.settings
    status = await embed_status(
        admin.shops.admin,
        shop,
        api_key=settings.shopify_api_key,
        app_handle=settings.shopify_app_handle,
        block_handle=settings.shopify_embed_block,
    )
    return JSONResponse(
        {"enabled": status.enabled, "theme": status.theme, "activate_url": status.activate_url}
    )


async def recent(request: Request) -> Response:
    admin = _admin(request)
    shop = (await admin.caller(request)).shop
    try:
        limit = min(max(int(request.query_params.get("limit", "20")), 1), 100)
    except ValueError as exc:
        raise BadRequest("limit must be a number") from exc
    entries = await admin.redis.xrevrange(stream_key(shop), count=limit)
    notifications: list[Any] = [orjson.loads(fields[b"n"]) for _, fields in entries or () if fields]
    return JSONResponse({"notifications": notifications})


routes = [
    Route("/admin", page),
    Route("/admin/preview", preview_page),
    Route("/api/settings", get_settings, methods=["GET"]),
    Route("/api/settings", put_settings, methods=["PUT"]),
    Route("/api/preview", preview, methods=["POST"]),
    Route("/api/test-notification", test_notification, methods=["POST"]),
    Route("/api/notifications", recent, methods=["GET"]),
    Route("/api/embed-status", embed, methods=["GET"]),
]
