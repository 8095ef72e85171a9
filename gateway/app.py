"""The gateway's Starlette app: routes, the one error map, pure ASGI middleware, lifespan."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import structlog
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gateway import admin, health, storefront, webhooks
from gateway.errors import GatewayError
from gateway.fanout import Fanout
from gateway.middleware import LogContext
from gateway.pages import template
from gateway.producer import EnvelopeProducer
from proofstream.settings import Settings

__all__ = ["create_app"]

log = structlog.get_logger("proofstream.gateway")


async def _gateway_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GatewayError)
    log.info("request_refused", status=exc.status_code, reason=str(exc))
    return JSONResponse(exc.body(), status_code=exc.status_code)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"error": exc.detail}, status_code=exc.status_code)


async def _unexpected(request: Request, exc: Exception) -> Response:
    # Never a stack trace to a client: log it, answer a plain 500.
    log.exception("unhandled_error")
    return JSONResponse({"error": "internal error"}, status_code=500)


def create_app(settings: Settings) -> Starlette:
    """Build the gateway; connections are opened in the lifespan, not here."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        redis = Redis.from_url(settings.redis_url)
        producer = EnvelopeProducer(
            bootstrap=settings.brokers, partitions=settings.topic_partitions
        )
        fanout = Fanout(redis, queue_size=settings.sse_client_queue)
        await producer.start()
        await fanout.start()
        app.state.webhooks = webhooks.Webhooks(
            secret=settings.shopify_api_secret.get_secret_value().encode(),
            max_bytes=settings.webhook_max_bytes,
            producer=producer,
        )
        app.state.storefront = storefront.Storefront.load_assets(
            settings=settings, redis=redis, fanout=fanout
        )
        app.state.admin = admin.Admin(
            settings=settings,
            redis=redis,
            producer=producer,
            admin_html=template("admin.html"),
            preview_html=template("preview.html"),
        )
        if settings.dev_mode:
            log.warning(
                "dev_mode",
                message="PROOFSTREAM_DEV_MODE is on: /api/* accepts ?shop= without a session "
                "token. Never enable it in production.",
            )
        log.info("gateway_started", public_url=settings.public_url)
        try:
            yield
        finally:
            await fanout.stop()
            await producer.stop()
            await redis.aclose()

    return Starlette(
        routes=[*webhooks.routes, *storefront.routes, *admin.routes, *health.routes],
        middleware=[
            Middleware(LogContext),
            Middleware(
                CORSMiddleware,
                allow_origins=[o.strip() for o in settings.cors_origins.split(",")],
                allow_methods=["GET"],  # storefront routes; /api/* is same-origin only
                allow_headers=["Last-Event-ID"],
            ),
        ],
        exception_handlers={
            GatewayError: _gateway_error,
            HTTPException: _http_error,
            Exception: _unexpected,
        },
        lifespan=lifespan,
    )
