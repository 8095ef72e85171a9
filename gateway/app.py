"""The gateway's Starlette app: routes, the one error map, pure ASGI middleware, lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from functools import partial

import httpx
import structlog
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import NoOpTracer
from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import RedisError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from gateway import (
    admin,
    health,
    install,
    notifications,
    status,
    storefront,
    webhooks,
    widget_assets,
)
from gateway.dedupe import Deduper
from gateway.engagement import DeliveryCounter
from gateway.errors import GatewayError, refused
from gateway.fanout import Fanout
from gateway.middleware import LogContext
from gateway.openapi import openapi_document
from gateway.pages import template
from gateway.producer import EnvelopeProducer
from gateway.shops import Shops
from gateway.store import Store
from proofstream.errors import ServiceError
from proofstream.settings import Settings
from shopify_app.errors import NotInstalled, ShopifyAuthError, ShopifyError, ShopifyUnavailable
from shopify_app.graphql import AdminClient
from shopify_app.offline import OfflineTokenManager
from shopify_app.tokens import TokenClient
from storage.crypto import TokenCipher, derive_dev_key
from storage.database import create_engine, migrate, sessionmaker
from streams.lag import LagProbe, report_lag

__all__ = ["create_app", "token_cipher"]

log = structlog.get_logger("proofstream.gateway")

UNTRACED_PATHS = "/stream$,/healthz$,/readyz$,/metrics$,/webhooks/shopify$"


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"error": exc.detail}, status_code=exc.status_code)


async def _unexpected(request: Request, exc: Exception) -> Response:
    # Never a stack trace to a client: log it, answer a plain 500.
    log.exception("unhandled_error")
    return JSONResponse({"error": "internal error"}, status_code=500)


async def _shopify_error(request: Request, exc: Exception) -> Response:
    statuses: dict[type[Exception], int] = {
        NotInstalled: 409,
        ShopifyAuthError: 401,
        ShopifyUnavailable: 503,
    }
    status = statuses.get(type(exc), 502)
    log.warning("shopify_error", status=status, reason=str(exc))
    return JSONResponse({"error": str(exc)}, status_code=status)


def token_cipher(settings: Settings) -> TokenCipher:
    """The cipher of the stored tokens; `ValueError` (a bad key) or `ServiceError` (none
    outside dev mode), each saying what to set."""
    if settings.token_keys is not None:
        return TokenCipher(settings.token_keys.get_secret_value().split(","))
    if not settings.dev_mode:
        raise ServiceError("set PROOFSTREAM_TOKEN_KEYS (Fernet keys) to store Shopify tokens")
    log.warning("dev_token_key", message="tokens encrypted with a key derived from the secret")
    return TokenCipher([derive_dev_key(settings.shopify_api_secret.get_secret_value())])


async def _open_all(pool: BlockingConnectionPool, size: int) -> None:
    # Every connection opened now: the process then holds the same number of Redis
    # connections whatever its load, and a connect storm never waits on Redis handshakes.
    # Redis being away is not fatal here: the pool connects lazily and requests get 503.
    connections = []
    try:
        for _ in range(size):
            connections.append(await pool.get_connection())  # type: ignore[no-untyped-call]
    except RedisError as exc:
        log.warning("redis_unavailable_at_start", error=str(exc))
    finally:
        for connection in connections:
            await pool.release(connection)


async def _report_lag(probe: LagProbe, *, every_s: float) -> None:
    while True:
        await report_lag(probe)
        await asyncio.sleep(every_s)


def create_app(settings: Settings, *, tracer_provider: TracerProvider | None = None) -> Starlette:
    """Build the gateway; connections are opened in the lifespan, not here. With a
    `tracer_provider`, requests and SSE broadcasts are traced (`proofstream/tracing.py`).
    `ServiceError` when the storefront widget was not built."""

    tracer = tracer_provider.get_tracer("proofstream.gateway") if tracer_provider else None

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        cipher = token_cipher(settings)
        await migrate(settings.database_url)
        engine = create_engine(settings.database_url)
        # Bounded and blocking: a burst of requests waits for a connection instead of
        # failing with "Too many connections" (redis-py's default pool raises at 100).
        pool = BlockingConnectionPool.from_url(
            settings.redis_url,
            max_connections=settings.redis_max_connections,
            timeout=5,
            client_name=f"proofstream-gateway:{os.getpid()}",  # CLIENT LIST tells processes apart
        )
        await _open_all(pool, settings.redis_max_connections)
        redis = Redis.from_pool(pool)
        store = Store(redis)
        db = sessionmaker(engine)
        http = httpx.AsyncClient(timeout=10)
        producer = EnvelopeProducer(
            bootstrap=settings.brokers,
            partitions=settings.topic_partitions,
            retention=settings.kafka_retention,
            send_timeout_s=settings.produce_timeout_s,
            tracer=tracer,
        )
        deliveries = DeliveryCounter(
            producer, every_s=settings.engagement_flush_s, clock=lambda: datetime.now(UTC)
        )
        fanout = Fanout(
            redis,
            deliveries=deliveries,
            backlog=settings.sse_client_queue,
            send_timeout=settings.sse_send_timeout_s,
            ping=settings.sse_ping_s,
            tracer=tracer,
        )
        await producer.start()
        await deliveries.start()
        await fanout.start()
        secret = settings.shopify_api_secret.get_secret_value()
        token_client = TokenClient(
            http,
            admin_url=settings.shopify_admin_url,
            api_key=settings.shopify_api_key,
            api_secret=secret,
        )
        tokens = OfflineTokenManager(
            db=db,
            cipher=cipher,
            client=token_client,
            clock=lambda: datetime.now(UTC),
            api_version=settings.shopify_api_version,
        )
        shops = Shops(
            db=db,
            store=store,
            producer=producer,
            token_client=token_client,
            tokens=tokens,
            admin=AdminClient(
                http,
                admin_url=settings.shopify_admin_url,
                api_version=settings.shopify_api_version,
                tokens=tokens,
            ),
            clock=lambda: datetime.now(UTC),
            api_version=settings.shopify_api_version,
        )
        app.state.webhooks = webhooks.Webhooks(
            secret=secret.encode(),
            max_bytes=settings.webhook_max_bytes,
            body_timeout_s=settings.body_timeout_s,
            producer=producer,
            dedupe=Deduper(redis),
            shops=shops,
            tracer=tracer or NoOpTracer(),
        )
        app.state.fanout = fanout
        app.state.health = health.Health(
            producer=producer, store=store, installed_shops=partial(health.installed_shops, db)
        )
        app.state.storefront = storefront.Storefront.load_assets(
            settings=settings, store=store, db=db, fanout=fanout
        )
        app.state.admin = admin.Admin(
            settings=settings,
            store=store,
            db=db,
            producer=producer,
            shops=shops,
            admin_html=template("admin.html"),
            preview_html=template("preview.html"),
        )
        app.state.install = install.Install(settings=settings, shops=shops)
        if settings.dev_mode:
            log.warning(
                "dev_mode",
                message="PROOFSTREAM_DEV_MODE is on: /api/* accepts ?shop= without a session "
                "token. Never enable it in production.",
            )
        # The group's lag is exported here too, so it shows while no worker runs.
        lag = LagProbe(bootstrap=settings.brokers, group=settings.worker_id)
        lag_reports = asyncio.create_task(_report_lag(lag, every_s=settings.lag_interval_s))
        log.info("gateway_started", public_url=settings.public_url)
        try:
            yield
        finally:
            lag_reports.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await lag_reports
            await lag.close()
            await shops.close()
            await fanout.stop()
            await deliveries.stop()
            await producer.stop()
            await http.aclose()
            await redis.aclose()
            await engine.dispose()

    routes: list[BaseRoute] = [
        *webhooks.routes,
        *storefront.routes(cors_origins=[o.strip() for o in settings.cors_origins.split(",")]),
        *widget_assets.routes,
        *admin.routes,
        *notifications.routes,
        *status.routes,
        *install.routes,
        *health.routes,
    ]
    document = openapi_document(
        routes, title="proofstream gateway", version="1", dev_mode=settings.dev_mode
    )

    async def openapi(request: Request) -> Response:
        return JSONResponse(document)

    middleware = [Middleware(LogContext)]
    if tracer_provider is not None:
        middleware.insert(
            0,
            Middleware(
                OpenTelemetryMiddleware,
                # Not the SSE streams (a span as long as a visit, per client), probes
                # and scrapes, nor the webhooks (traced by hand: proofstream/tracing.py
                # says why); one span per request, not one per ASGI message.
                excluded_urls=UNTRACED_PATHS,
                exclude_spans=["receive", "send"],
                tracer_provider=tracer_provider,
            ),
        )
    app = Starlette(
        routes=[*routes, Route("/openapi.json", openapi)],
        middleware=middleware,
        exception_handlers={
            GatewayError: refused,
            ShopifyError: _shopify_error,
            HTTPException: _http_error,
            Exception: _unexpected,
        },
        lifespan=lifespan,
    )
    app.state.widget = widget_assets.WidgetBuild.load()
    return app
