"""`POST /webhooks/shopify`: verify the HMAC on the raw body, drop repeated deliveries, and
produce every subscribed topic to the raw topic (acks=all, keyed by shop), answering 200
only once the broker acknowledged it. The worker does the rest. Two topics also touch
what is the gateway's own first: `app/uninstalled` deletes the shop's tokens,
`shop/redact` its install row (`gateway.shops`)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
import structlog
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Tracer
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.bodies import read_body
from gateway.dedupe import Deduper
from gateway.errors import BadRequest, GatewayError
from gateway.metrics import WEBHOOK_ACK_SECONDS, WEBHOOKS
from gateway.openapi import Operation, documented
from gateway.producer import EnvelopeProducer
from gateway.shops import Shops
from gateway.signatures import verify_webhook
from schemas import WebhookEnvelope, is_shop_domain, parse_time
from schemas.api import ErrorBody, WebhookResult
from streams.redis import webhook_seen_key
from streams.topics import RAW_WEBHOOKS

__all__ = ["TOPICS", "Webhooks", "routes"]

log = structlog.get_logger("proofstream.gateway.webhooks")

# A re-sent order or refund can carry a new event id: its own id guards too.
ID_GUARDED = {"orders/create": "order", "orders/cancelled": "order", "refunds/create": "refund"}


@dataclass
class Webhooks:
    """Dependencies of the webhook route, built in the gateway's lifespan."""

    secret: bytes
    max_bytes: int
    body_timeout_s: float
    producer: EnvelopeProducer
    dedupe: Deduper
    shops: Shops
    tracer: Tracer


def shopify_header(headers: Headers, name: str) -> str | None:
    """Shopify's header by bare name: `X-Shopify-<name>` or the newer `Shopify-<name>`,
    any case (Starlette's headers are case-insensitive)."""
    return headers.get(f"x-shopify-{name}") or headers.get(f"shopify-{name}")


@documented(
    Operation(
        "Every Shopify webhook topic (X-Shopify-Topic), signed with the app secret",
        {
            200: WebhookResult,
            400: ErrorBody,
            401: ErrorBody,
            408: ErrorBody,
            413: ErrorBody,
            503: ErrorBody,
        },
        tags=("shopify",),
    )
)
async def receive(request: Request) -> Response:
    webhooks: Webhooks = request.app.state.webhooks
    # The first span of an order's trace (by hand, not by the ASGI middleware: cheaper).
    with webhooks.tracer.start_as_current_span(
        "POST /webhooks/shopify",
        kind=SpanKind.SERVER,
        record_exception=False,  # a refusal is the sender's error, not ours
        set_status_on_exception=False,
    ) as span:
        try:
            response = await _receive(webhooks, request)
        except GatewayError as exc:
            WEBHOOKS.labels(shopify_header(request.headers, "topic") or "", exc.status_code).inc()
            span.set_attribute("http.response.status_code", exc.status_code)
            raise
        span.set_attribute("http.response.status_code", response.status_code)
        return response


async def _receive(webhooks: Webhooks, request: Request) -> Response:
    body = await read_body(request, limit=webhooks.max_bytes, timeout_s=webhooks.body_timeout_s)
    headers = request.headers
    verify_webhook(
        secret=webhooks.secret, body=body, signature=shopify_header(headers, "hmac-sha256")
    )

    topic = shopify_header(headers, "topic")
    shop = shopify_header(headers, "shop-domain")
    webhook_id = shopify_header(headers, "webhook-id")
    api_version = shopify_header(headers, "api-version")
    if not (topic and shop and webhook_id and api_version):
        raise BadRequest(
            "missing X-Shopify-Topic, X-Shopify-Shop-Domain, X-Shopify-Webhook-Id or "
            "X-Shopify-API-Version"
        )
    if not is_shop_domain(shop):
        raise BadRequest("X-Shopify-Shop-Domain is not a myshopify.com domain")
    structlog.contextvars.bind_contextvars(webhook_id=webhook_id, shop=shop, topic=topic)
    trace.get_current_span().set_attributes(
        {"proofstream.shop": shop, "proofstream.topic": topic, "proofstream.webhook_id": webhook_id}
    )
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest("body is not JSON") from exc
    if not isinstance(payload, dict):
        raise BadRequest("body is not a JSON object")

    if topic not in TOPICS:
        WEBHOOKS.labels(topic, "ignored").inc()
        log.info("webhook_ignored")
        return _result("ignored")

    event_id = shopify_header(headers, "event-id")
    seen = _dedupe_keys(shop, topic, event_id, payload)
    # Claim the delivery (fails if any key is known), released on failure so that
    # Shopify's retry is handled rather than deduplicated.
    if seen and not await webhooks.dedupe.claim(seen):
        WEBHOOKS.labels(topic, "duplicate").inc()
        log.info("webhook_duplicate", event_id=event_id)
        return _result("duplicate")
    try:
        if (own := TOPICS[topic]) is not None:
            await own(webhooks.shops, shop)
        delivery = _Delivery(shop, topic, webhook_id, event_id, api_version, headers, body)
        await _produce(webhooks, delivery)
    except BaseException:
        if seen:
            await webhooks.dedupe.release(seen)
        raise
    WEBHOOKS.labels(topic, "accepted").inc()
    log.info("webhook_accepted")
    return _result("accepted")


def _result(status: Literal["accepted", "duplicate", "ignored"]) -> Response:
    return JSONResponse({"status": status})


@dataclass(frozen=True)
class _Delivery:
    shop: str
    topic: str
    webhook_id: str
    event_id: str | None
    api_version: str
    headers: Headers
    body: bytes


def _dedupe_keys(shop: str, topic: str, event_id: str | None, payload: dict[str, Any]) -> list[str]:
    # (shop, topic, event id), and for orders and refunds (shop, topic, their own id).
    keys = [webhook_seen_key(shop, topic, event_id)] if event_id else []
    kind = ID_GUARDED.get(topic)
    if kind is not None and (own_id := payload.get("id")) is not None:
        keys.append(webhook_seen_key(shop, topic, f"{kind}-{own_id}"))
    return keys


async def _produce(webhooks: Webhooks, delivery: _Delivery) -> None:
    envelope = WebhookEnvelope.encode(
        webhook_id=delivery.webhook_id,
        event_id=delivery.event_id,
        topic=delivery.topic,
        shop=delivery.shop,
        api_version=delivery.api_version,
        # A malformed timestamp is not worth refusing the order for: keep it unknown.
        triggered_at=parse_time(shopify_header(delivery.headers, "triggered-at")),
        received_at=datetime.now(UTC),
        raw_payload=delivery.body,
    )
    started = time.perf_counter()
    await webhooks.producer.send(RAW_WEBHOOKS, key=delivery.shop, value=envelope)
    WEBHOOK_ACK_SECONDS.observe(time.perf_counter() - started)


# Every topic we subscribe to (shopify.app.toml), with what the gateway does of its own
# before producing it; anything else is acknowledged and counted.
TOPICS: dict[str, Callable[[Shops, str], Awaitable[None]] | None] = {
    "orders/create": None,
    "orders/cancelled": None,
    "refunds/create": None,
    "app/uninstalled": Shops.uninstalled,
    "customers/data_request": None,
    "customers/redact": None,
    "shop/redact": Shops.redacted,
    "products/create": None,
    "products/update": None,
    "products/delete": None,
}


routes = [Route("/webhooks/shopify", receive, methods=["POST"])]
