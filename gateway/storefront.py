"""What storefronts call: the SSE notification stream, the widget config, the shoppers'
impressions, hovers and clicks (counted with the deliveries: `gateway/engagement.py`) and
a demo storefront page (the widget script itself: `gateway/widget_assets.py`).

Outside dev mode the stream and the config serve only shops that installed the app (404
for others, 410 once uninstalled): the shop's widget key in Redis says so, or, when Redis
lost it (a restart), the install row in the database, which puts it back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import Receive, Scope, Send

from gateway.bodies import model_body
from gateway.errors import GatewayError, Gone, NotFound, refused
from gateway.fanout import Fanout, notification_frame
from gateway.limits import ConnectionLimits, EventRate
from gateway.openapi import Operation, documented, query
from gateway.pages import fill, template
from gateway.sse import HEADERS, StreamId, body, parse_stream_id
from gateway.store import ReplayEntry, ShopGate, Store, database_errors
from proofstream.settings import Settings
from schemas import ShopSettings, WidgetConfig, is_shop_domain, parse_time
from schemas.api import ErrorBody, InvalidBody, StorefrontEvent, StreamQuery
from schemas.engagement import EngagementKind
from schemas.shops import SHOP_DOMAIN_PATTERN
from storage.shops import installation

__all__ = ["Storefront", "routes"]

log = structlog.get_logger("proofstream.gateway.storefront")

DEFAULT_CONFIG = orjson.dumps(WidgetConfig().model_dump(mode="json"))
# Sent once the client's subscription is live: tests and the widget wait for it.
READY_FRAME = b"retry: 2000\nevent: ready\ndata: {}\n\n"


@dataclass
class Storefront:
    """Dependencies of the storefront routes, built in the gateway's lifespan."""

    settings: Settings
    store: Store
    db: async_sessionmaker[AsyncSession]
    fanout: Fanout
    limits: ConnectionLimits
    events: EventRate
    demo_html: str

    @classmethod
    def load_assets(
        cls,
        *,
        settings: Settings,
        store: Store,
        db: async_sessionmaker[AsyncSession],
        fanout: Fanout,
    ) -> Storefront:
        return cls(
            settings=settings,
            store=store,
            db=db,
            fanout=fanout,
            limits=ConnectionLimits(
                per_client=settings.sse_max_per_client, per_shop=settings.sse_max_per_shop
            ),
            events=EventRate(per_minute=settings.events_per_minute, clock=time.monotonic),
            demo_html=template("demo.html"),
        )

    async def admit(self, request: Request, shop: str, gate: ShopGate) -> None:
        """Refuse a storefront request for a shop that may not stream: uninstalled (410),
        never installed outside dev mode (404), or a wrong widget key (404)."""
        if gate.uninstalled:
            raise Gone("this shop no longer uses proofstream")
        if gate.widget_key is None and not self.settings.dev_mode:
            async with database_errors(), self.db() as session:
                found = await installation(session, shop=shop)
            if found is None:
                raise NotFound("this shop has not installed proofstream")
            if found.uninstalled:
                raise Gone("this shop no longer uses proofstream")
            await self.store.set_widget_key(shop, found.widget_key)
            gate = ShopGate(uninstalled=False, widget_key=found.widget_key)
        # The app embed passes the shop's widget key; a wrong one is a misconfigured or
        # copied embed. Without a key (demo page, local development) the shop decides.
        given = request.query_params.get("key")
        if given is not None and gate.widget_key != given:
            raise NotFound("unknown widget key for this shop")

    async def replay(self, shop: str, after: StreamId) -> list[tuple[StreamId, bytes, str]]:
        """Frames stored after `after` (exclusive), oldest first, with their notification."""
        entries = await self.store.replay(
            shop, after=f"{after[0]}-{after[1]}", count=self.settings.stream_maxlen
        )
        return _frames(entries)

    async def backfill(self, shop: str, count: int) -> list[tuple[StreamId, bytes, str]]:
        """A visit's first page view: the newest `count` notifications the shop still shows
        (retracted and hidden ones have left the stream; those older than its
        `hide_older_than_hours` are left out), oldest first."""
        entries = await self.store.latest(shop, count=count)
        saved = await self.store.settings(shop)
        settings = ShopSettings.model_validate_json(saved) if saved else ShopSettings()
        if settings.hide_older_than_hours is not None:
            oldest = datetime.now(UTC) - timedelta(hours=settings.hide_older_than_hours)
            entries = [e for e in entries if _occurred_at(e.payload) >= oldest]
        return _frames(entries)

    async def serve(
        self,
        shop: str,
        receive: Receive,
        send: Send,
        *,
        last_event_id: str | None = None,
        backfill: int | None = None,
    ) -> None:
        """Replay what the client missed (or, on a visit's first page view, `backfill`
        recent notifications), then write live frames until it goes away."""
        task = asyncio.current_task()
        assert task is not None
        stalled = False

        def on_stall() -> None:
            nonlocal stalled
            stalled = True
            task.cancel()

        try:
            async with self.fanout.subscribe(shop, send, on_stall=on_stall) as client:
                # Live frames are held from here, so the replay below misses nothing.
                async with asyncio.timeout(self.settings.sse_send_timeout_s):
                    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
                    await send(body(READY_FRAME))
                last = parse_stream_id(last_event_id) or (0, 0)
                if last > (0, 0):
                    stored = await self.replay(shop, last)
                else:
                    stored = await self.backfill(shop, backfill) if backfill else []
                for stream_id, frame, notification_id in stored:
                    async with asyncio.timeout(self.settings.sse_send_timeout_s):
                        await send(body(frame))
                    self.fanout.deliveries.delivered(shop, notification_id, 1)
                    last = stream_id
                client.release(after=last)
                while (await receive())["type"] != "http.disconnect":
                    pass  # a GET has no body; this returns once the client leaves or we end
        except asyncio.CancelledError:
            if not stalled:
                raise
            # Cancelled by on_stall: the client stopped reading. Returning with the response
            # unfinished makes uvicorn close the socket (it logs that as an error line).
            task.uncancel()
        except TimeoutError:
            log.info("sse_client_stalled", shop=shop, during="replay")


def _frames(entries: list[ReplayEntry]) -> list[tuple[StreamId, bytes, str]]:
    frames = []
    for entry in entries:
        stream_id = parse_stream_id(entry.stream_id)
        if stream_id is not None:
            frame = notification_frame(entry.stream_id, entry.payload)
            frames.append((stream_id, frame, entry.notification_id.decode()))
    return frames


def _occurred_at(payload: bytes) -> datetime:
    """When a stored notification's order was placed (long ago, if it cannot be read)."""
    try:
        occurred = parse_time(orjson.loads(payload).get("occurred_at"))
    except (orjson.JSONDecodeError, AttributeError):
        occurred = None
    return occurred or datetime.min.replace(tzinfo=UTC)


def _client_address(request: Request) -> str:
    """Whom the per-client limits count (behind a trusted proxy, the forwarded address)."""
    return request.client.host if request.client else "unknown"


def _shop(request: Request) -> str:
    shop: str = request.path_params["shop"]
    if not is_shop_domain(shop):
        raise NotFound("not a shop domain")
    return shop


def _storefront(request: Request) -> Storefront:
    storefront: Storefront = request.app.state.storefront
    return storefront


@documented(
    Operation(
        "Server-sent events: `ready`, then `notification` (id = stream id) and `retract`;"
        " Last-Event-ID (or `last_event_id`) replays what was missed",
        {
            200: "text/event-stream",
            404: ErrorBody,
            410: ErrorBody,
            422: InvalidBody,
            429: ErrorBody,
            503: ErrorBody,
        },
        path={"shop": SHOP_DOMAIN_PATTERN},
        query=StreamQuery,
        tags=("storefront",),
    )
)
class StreamEndpoint:
    """GET /v1/storefront/{shop}/stream: a raw ASGI endpoint, as it writes its own frames."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        storefront = _storefront(request)
        shop = _shop(request)
        # EventSource sends the header; the widget (fetch: a header would cost a CORS
        # preflight) and first page views of a visit send the parameter.
        params = query(request, StreamQuery)
        await storefront.admit(request, shop, await storefront.store.gate(shop))
        with storefront.limits.hold(_client_address(request), shop):
            await storefront.serve(
                shop,
                receive,
                send,
                last_event_id=request.headers.get("last-event-id") or params.last_event_id,
                backfill=params.backfill,
            )


@documented(
    Operation(
        "The widget's display config (cacheable)",
        {200: WidgetConfig, 404: ErrorBody, 410: ErrorBody, 503: ErrorBody},
        path={"shop": SHOP_DOMAIN_PATTERN},
        tags=("storefront",),
    )
)
async def config(request: Request) -> Response:
    storefront = _storefront(request)
    shop = _shop(request)
    # Projected by the worker from the settings topic; a shop that never saved gets defaults.
    config, gate = await storefront.store.widget_config(shop)
    await storefront.admit(request, shop, gate)
    return Response(
        config or DEFAULT_CONFIG,
        media_type="application/json",
        headers={"Cache-Control": "public, max-age=30"},
    )


# An event's body is a few dozen bytes.
EVENT_MAX_BYTES = 1024
COUNTED_AS: dict[str, EngagementKind] = {
    "impression": "impressions",
    "hover": "hovers",
    "click": "clicks",
}


@documented(
    Operation(
        "What a shopper did with a popup (the widget sends it with analytics consent only)",
        {
            204: None,
            400: ErrorBody,
            404: ErrorBody,
            408: ErrorBody,
            410: ErrorBody,
            413: ErrorBody,
            422: InvalidBody,
            429: ErrorBody,
            503: ErrorBody,
        },
        path={"shop": SHOP_DOMAIN_PATTERN},
        body=StorefrontEvent,
        tags=("storefront",),
    )
)
async def storefront_event(request: Request) -> Response:
    storefront = _storefront(request)
    shop = _shop(request)
    event = await model_body(
        request,
        StorefrontEvent,
        what="event",
        limit=EVENT_MAX_BYTES,
        timeout_s=storefront.settings.body_timeout_s,
    )
    await storefront.admit(request, shop, await storefront.store.gate(shop))
    storefront.events.take(_client_address(request), shop)
    storefront.fanout.deliveries.count(shop, COUNTED_AS[event.type], event.id)
    return Response(status_code=204)


@documented(Operation("A demo storefront page with the widget", {200: "text/html", 404: ErrorBody}))
async def demo(request: Request) -> Response:
    storefront = _storefront(request)
    shop = _shop(request)
    widget_url = storefront.settings.public_url.rstrip("/") + "/widget.js"
    return HTMLResponse(fill(storefront.demo_html, SHOP=shop, WIDGET_URL=widget_url))


def routes(*, cors_origins: Sequence[str]) -> list[BaseRoute]:
    """The storefront routes. Only the stream and the config are read by the widget from
    merchants' origins, so CORS wraps them alone: webhooks and `/api/*` skip its header
    work (bench/RESULTS.md), and browsers on other origins get nothing from them."""
    cors = Middleware(
        CORSMiddleware,
        allow_origins=cors_origins,
        allow_methods=["GET", "POST"],  # POST: events, sent as text/plain (no preflight)
        allow_headers=["Last-Event-ID"],  # EventSource sends it when it reconnects
        expose_headers=["Retry-After"],  # the widget backs off by it after a 429 or 503
    )
    # Refusals answered inside CORS, so a widget on another origin can read them: a 404 or
    # 410 stops it, a 429 or 503 makes it wait (the app's handler would answer outside).
    errors = Middleware(ExceptionMiddleware, handlers={GatewayError: refused})
    return [
        Mount(
            "/v1/storefront",
            routes=[
                Route("/{shop}/stream", StreamEndpoint()),
                Route("/{shop}/config", config),
                Route("/{shop}/events", storefront_event, methods=["POST"]),
            ],
            middleware=[cors, errors],
        ),
        Route("/demo/{shop}", demo),
    ]
