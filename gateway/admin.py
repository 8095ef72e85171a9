"""The merchant side: the dashboard page and `/api/*` (settings, preview, test, embed).

Every API call is authenticated by the Shopify session token (`Authorization: Bearer`);
in dev mode (`PROOFSTREAM_DEV_MODE`, said loudly at start) `?shop=` stands in for it.
Saving settings produces a `ShopSettingsChanged` event; nothing here writes state. The
stored notifications are served by `gateway.notifications`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from gateway.bodies import model_body
from gateway.errors import NotFound, Unauthorized
from gateway.openapi import Operation, documented
from gateway.pages import fill
from gateway.producer import EnvelopeProducer
from gateway.sessions import SessionToken, verify_session_token
from gateway.shops import Shops
from gateway.store import Store
from proofstream.settings import Settings
from schemas import ShopSettings, ShopSettingsChanged, is_shop_domain
from schemas.api import (
    Accepted,
    EmbedStatus,
    ErrorBody,
    InvalidBody,
    Preview,
    SettingsSaved,
    SettingsView,
)
from schemas.settings import DEFAULT_TEMPLATES, PLACEHOLDERS
from shopify_app.embed import embed_status
from stages.render import render
from stages.samples import sample_order, sample_webhook
from streams.topics import RAW_WEBHOOKS, SETTINGS

__all__ = [
    "Admin",
    "admin_of",
    "BODY_ERRORS",
    "json",
    "merchant_body",
    "MERCHANT_ERRORS",
    "routes",
]

# What every merchant call can answer besides its success, and one with a JSON body.
MERCHANT_ERRORS: dict[int, type[BaseModel]] = {401: ErrorBody, 503: ErrorBody}
BODY_ERRORS: dict[int, type[BaseModel]] = {
    400: ErrorBody,
    408: ErrorBody,
    413: ErrorBody,
    422: InvalidBody,
}


@dataclass
class Admin:
    """Dependencies of the merchant routes, built in the gateway's lifespan."""

    settings: Settings
    store: Store
    db: async_sessionmaker[AsyncSession]
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
        raw = await self.store.settings(shop)
        return ShopSettings.model_validate_json(raw) if raw else ShopSettings()

    @property
    def buyer_data(self) -> bool:
        """Whether popups may name buyers (Shopify's Level 2 protected customer data)."""
        return self.settings.shopify_customer_data_level == 2


def admin_of(request: Request) -> Admin:
    admin: Admin = request.app.state.admin
    return admin


def json(model: BaseModel, *, status_code: int = 200) -> Response:
    """A pydantic body as JSON (the same serialization the OpenAPI document describes)."""
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")


M = TypeVar("M", bound=BaseModel)

# Settings and moderation bodies are small; a larger one is not a merchant's.
MAX_BODY_BYTES = 64 * 1024


async def merchant_body(request: Request, model: type[M], *, what: str) -> M:
    """A merchant call's JSON body validated by `model` (`gateway.bodies.model_body`)."""
    timeout_s = admin_of(request).settings.body_timeout_s
    return await model_body(request, model, what=what, limit=MAX_BODY_BYTES, timeout_s=timeout_s)


async def _settings_body(request: Request) -> ShopSettings:
    return await merchant_body(request, ShopSettings, what="settings")


def _shop_page(request: Request) -> str:
    shop = request.query_params.get("shop", "")
    if not is_shop_domain(shop):
        raise NotFound("open the dashboard from your Shopify admin (?shop= is missing)")
    return shop


@documented(
    Operation(
        "The merchant dashboard (embedded in the Shopify admin)",
        {200: "text/html", 404: ErrorBody},
        tags=("dashboard",),
    )
)
async def page(request: Request) -> Response:
    admin = admin_of(request)
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


@documented(
    Operation(
        "The dashboard's live preview frame",
        {200: "text/html", 404: ErrorBody},
        tags=("dashboard",),
    )
)
async def preview_page(request: Request) -> Response:
    admin = admin_of(request)
    shop = _shop_page(request)
    preview = request.app.state.widget.preview  # the widget's build for the live preview
    widget_url = f"{admin.settings.public_url.rstrip('/')}/widget/{preview}"
    return HTMLResponse(fill(admin.preview_html, SHOP=shop, WIDGET_URL=widget_url))


@documented(
    Operation(
        "The shop's settings", {200: SettingsView, **MERCHANT_ERRORS}, merchant=True, tags=("api",)
    )
)
async def get_settings(request: Request) -> Response:
    admin = admin_of(request)
    shop = (await admin.caller(request)).shop
    return json(
        SettingsView(
            shop=shop,
            settings=await admin.current(shop),
            placeholders=list(PLACEHOLDERS),
            default_templates=DEFAULT_TEMPLATES,
        )
    )


@documented(
    Operation(
        "Save the shop's settings (applied by the worker to the orders after it)",
        {202: SettingsSaved, **BODY_ERRORS, **MERCHANT_ERRORS},
        body=ShopSettings,
        merchant=True,
        tags=("api",),
    )
)
async def put_settings(request: Request) -> Response:
    admin = admin_of(request)
    caller = await admin.caller(request)
    settings = await _settings_body(request)
    change = ShopSettingsChanged(
        shop=caller.shop, settings=settings, changed_at=datetime.now(UTC), changed_by=caller.user
    )
    await admin.producer.send(SETTINGS, key=caller.shop, value=change.to_json())
    return json(SettingsSaved(settings=settings), status_code=202)


@documented(
    Operation(
        "Render the sample order with the posted settings (the worker's renderer)",
        {200: Preview, **BODY_ERRORS, **MERCHANT_ERRORS},
        body=ShopSettings,
        merchant=True,
        tags=("api",),
    )
)
async def preview(request: Request) -> Response:
    admin = admin_of(request)
    shop = (await admin.caller(request)).shop
    settings = await _settings_body(request)
    now = datetime.now(UTC)
    order = sample_order(shop=shop, order_id="preview", now=now, buyer=admin.buyer_data)
    notification = render(order, settings=settings, now=now)
    return json(Preview(notification=notification.public(), config=settings.widget_config()))


@documented(
    Operation(
        "Send the sample order through the pipeline to the shop's storefronts",
        {202: Accepted, **MERCHANT_ERRORS},
        merchant=True,
        tags=("api",),
    )
)
async def test_notification(request: Request) -> Response:
    admin = admin_of(request)
    shop = (await admin.caller(request)).shop
    webhook = sample_webhook(shop=shop, order_id=f"test-{uuid.uuid4().hex}", now=datetime.now(UTC))
    # Through the whole worker pipeline, rendered with the shop's saved settings.
    await admin.producer.send(RAW_WEBHOOKS, key=shop, value=webhook.to_json())
    return json(Accepted(), status_code=202)


@documented(
    Operation(
        "Whether the main theme has the app embed on",
        {200: EmbedStatus, 409: ErrorBody, 502: ErrorBody, **MERCHANT_ERRORS},
        merchant=True,
        tags=("api",),
    )
)
async def embed(request: Request) -> Response:
    admin = admin_of(request)
    shop = (await admin.caller(request)).shop
    settings = admin.settings
    status = await embed_status(
        admin.shops.admin,
        shop,
        api_key=settings.shopify_api_key,
        app_handle=settings.shopify_app_handle,
        block_handle=settings.shopify_embed_block,
    )
    return json(
        EmbedStatus(enabled=status.enabled, theme=status.theme, activate_url=status.activate_url)
    )


routes = [
    Route("/admin", page),
    Route("/admin/preview", preview_page),
    Route("/api/settings", get_settings, methods=["GET"]),
    Route("/api/settings", put_settings, methods=["PUT"]),
    Route("/api/preview", preview, methods=["POST"]),
    Route("/api/test-notification", test_notification, methods=["POST"]),
    Route("/api/embed-status", embed, methods=["GET"]),
]
