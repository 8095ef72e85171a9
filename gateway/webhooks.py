"""`POST /webhooks/shopify`: verify the HMAC on the raw body, then produce the envelope to
Kafka (acks=all, keyed by shop) and answer 200 only once the broker acknowledged it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
import structlog
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.errors import BadRequest, GatewayError, PayloadTooLarge
from gateway.metrics import WEBHOOK_ACK_SECONDS, WEBHOOKS
from gateway.producer import EnvelopeProducer
from gateway.signatures import verify_webhook
from schemas import WebhookEnvelope, is_shop_domain
from streams.topics import RAW_WEBHOOKS

__all__ = ["PRODUCED_TOPICS", "Webhooks", "routes"]

log = structlog.get_logger("proofstream.gateway.webhooks")

# Topics the pipeline consumes; any other verified topic is acknowledged and counted.
PRODUCED_TOPICS = frozenset({"orders/create"})


@dataclass
class Webhooks:
    """Dependencies of the webhook route, built in the gateway's lifespan."""

    secret: bytes
    max_bytes: int
    producer: EnvelopeProducer


def shopify_header(headers: Headers, name: str) -> str | None:
    """Shopify's header by bare name: `X-Shopify-<name>` or the newer `Shopify-<name>`,
    any case (Starlette's headers are case-insensitive)."""
    return headers.get(f"x-shopify-{name}") or headers.get(f"shopify-{name}")


def _parse_time(value: str | None) -> datetime | None:
    # A malformed timestamp is not worth refusing the order for: keep it unknown.
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"body over {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(f"body over {limit} bytes")
    return bytes(body)


async def receive(request: Request) -> Response:
    try:
        return await _receive(request)
    except GatewayError as exc:
        WEBHOOKS.labels(shopify_header(request.headers, "topic") or "", exc.status_code).inc()
        raise


async def _receive(request: Request) -> Response:
    webhooks: Webhooks = request.app.state.webhooks
    body = await _read_body(request, webhooks.max_bytes)
    headers = request.headers
    verify_webhook(
        secret=webhooks.secret, body=body, signature=shopify_header(headers, "hmac-sha256")
    )

    topic = shopify_header(headers, "topic")
    shop = shopify_header(headers, "shop-domain")
    webhook_id = shopify_header(headers, "webhook-id")
    if not (topic and shop and webhook_id):
        raise BadRequest("missing X-Shopify-Topic, X-Shopify-Shop-Domain or X-Shopify-Webhook-Id")
    if not is_shop_domain(shop):
        raise BadRequest("X-Shopify-Shop-Domain is not a myshopify.com domain")
    structlog.contextvars.bind_contextvars(webhook_id=webhook_id, shop=shop, topic=topic)
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest("body is not JSON") from exc
    if not isinstance(payload, dict):
        raise BadRequest("body is not a JSON object")

    if topic not in PRODUCED_TOPICS:
        WEBHOOKS.labels(topic, "ignored").inc()
        log.info("webhook_ignored")
        return JSONResponse({"status": "ignored"})

    envelope = WebhookEnvelope.encode(
        webhook_id=webhook_id,
        event_id=shopify_header(headers, "event-id"),
        topic=topic,
        shop=shop,
        api_version=shopify_header(headers, "api-version"),
        triggered_at=_parse_time(shopify_header(headers, "triggered-at")),
        received_at=datetime.now(UTC),
        raw_payload=body,
    )
    started = time.perf_counter()
    await webhooks.producer.send(RAW_WEBHOOKS, key=shop, value=envelope)
    WEBHOOK_ACK_SECONDS.observe(time.perf_counter() - started)
    WEBHOOKS.labels(topic, "accepted").inc()
    log.info("webhook_accepted")
    return JSONResponse({"status": "accepted"})


routes = [Route("/webhooks/shopify", receive, methods=["POST"])]
