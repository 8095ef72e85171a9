from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import orjson
import pytest

from simulator.orders import OrderFactory
from simulator.webhooks import WebhookSender, headers, sign

SECRET = "shpss_test_secret"
SHOP = "demo-store.myshopify.com"
ENDPOINT = "http://proofstream.test/webhooks/shopify"
HEADER_NAMES = (
    "Content-Type",
    "User-Agent",
    "X-Shopify-Topic",
    "X-Shopify-Hmac-Sha256",
    "X-Shopify-Shop-Domain",
    "X-Shopify-API-Version",
    "X-Shopify-Webhook-Id",
    "X-Shopify-Event-Id",
    "X-Shopify-Triggered-At",
)


def expected_hmac(secret: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), body, hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


class Recorder:
    """A MockTransport handler that keeps every request and answers with scripted statuses."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.times: list[float] = []
        self.statuses = list(statuses or [])

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.times.append(time.monotonic())
        status = self.statuses.pop(0) if self.statuses else 200
        return httpx.Response(status)


def sender(client: httpx.AsyncClient, **kwargs: Any) -> WebhookSender:
    return WebhookSender(client=client, endpoint=ENDPOINT, secret=SECRET, **kwargs)


Results = list[tuple[dict[str, Any], httpx.Response | Exception]]


async def run_orders(
    handler: Callable[[httpx.Request], httpx.Response],
    *,
    seed: int,
    rate: float,
    count: int,
    **options: Any,
) -> tuple[int, Results]:
    """`WebhookSender.run` (``options``: the sender's) against ``handler``: how many orders were
    delivered, and each order with its outcome."""
    results: Results = []
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        delivered = await sender(client, **options).run(
            factory=OrderFactory(seed=seed, shop=SHOP),
            rate=rate,
            count=count,
            on_result=lambda order, outcome: results.append((order, outcome)),
        )
    return delivered, results


def test_sign_matches_independent_hmac_and_known_vector() -> None:
    body = b'{"id":450789469,"email":"zo\xc3\xab@example.com"}'
    assert sign(SECRET, body) == expected_hmac(SECRET, body)
    # Computed once (Python hmac and `openssl dgst -sha256 -hmac hush -binary | base64`).
    assert sign("hush", b'{"id":1}') == "VnKUjZsLuN5iZWjn5EntcBVCF9kMN43LglzCE1/GSeY="
    assert sign("hush", b'{"id":1} ') != sign("hush", b'{"id":1}')


def test_headers_carry_every_shopify_name() -> None:
    body = b'{"id":1}'
    result = headers(secret="hush", body=body, topic="orders/create", shop=SHOP)
    assert set(result) == set(HEADER_NAMES)
    assert result["Content-Type"] == "application/json"
    assert result["User-Agent"] == "Shopify-Captain-Hook"
    assert result["X-Shopify-Topic"] == "orders/create"
    assert result["X-Shopify-Shop-Domain"] == SHOP
    assert result["X-Shopify-API-Version"] == "2026-10"
    assert result["X-Shopify-Hmac-Sha256"] == "VnKUjZsLuN5iZWjn5EntcBVCF9kMN43LglzCE1/GSeY="
    assert uuid.UUID(result["X-Shopify-Webhook-Id"]).version == 4
    assert uuid.UUID(result["X-Shopify-Event-Id"]).version == 4
    assert result["X-Shopify-Webhook-Id"] != result["X-Shopify-Event-Id"]
    triggered = result["X-Shopify-Triggered-At"]
    assert triggered.endswith("Z")
    moment = datetime.fromisoformat(triggered)
    assert abs(datetime.now(UTC) - moment) < timedelta(seconds=5)


def test_headers_use_given_values() -> None:
    when = datetime(2026, 11, 25, 12, 0, 1, 250000, tzinfo=timezone(timedelta(hours=-5)))
    result = headers(
        secret=SECRET,
        body=b"{}",
        topic="orders/create",
        shop=SHOP,
        api_version="2025-07",
        webhook_id="wh-1",
        event_id="ev-1",
        triggered_at=when,
    )
    assert result["X-Shopify-API-Version"] == "2025-07"
    assert result["X-Shopify-Webhook-Id"] == "wh-1"
    assert result["X-Shopify-Event-Id"] == "ev-1"
    assert result["X-Shopify-Triggered-At"] == "2026-11-25T17:00:01.250000Z"
    naive = headers(
        secret=SECRET,
        body=b"{}",
        topic="t",
        shop=SHOP,
        triggered_at=datetime(2026, 1, 1, 0, 0),
    )
    assert naive["X-Shopify-Triggered-At"] == "2026-01-01T00:00:00.000000Z"


async def test_deliver_posts_exact_bytes_with_signed_headers() -> None:
    recorder = Recorder()
    f = OrderFactory(seed=3, shop=SHOP)
    order = f.order()
    body = f.body(order)
    async with httpx.AsyncClient(transport=httpx.MockTransport(recorder)) as client:
        response = await sender(client).deliver(
            topic="orders/create", shop=SHOP, body=body, webhook_id="wh-fixed"
        )
    assert response.status_code == 200
    [request] = recorder.requests
    assert request.method == "POST"
    assert str(request.url) == ENDPOINT
    assert request.content == body
    assert request.headers["Content-Length"] == str(len(body))
    for name in HEADER_NAMES:
        assert name in request.headers
    assert request.headers["X-Shopify-Webhook-Id"] == "wh-fixed"
    assert request.headers["X-Shopify-Topic"] == "orders/create"
    assert request.headers["User-Agent"] == "Shopify-Captain-Hook"
    assert hmac.compare_digest(
        request.headers["X-Shopify-Hmac-Sha256"], expected_hmac(SECRET, request.content)
    )
    assert orjson.loads(request.content) == order


async def test_run_sends_count_orders_with_distinct_webhook_ids() -> None:
    recorder = Recorder()
    delivered, results = await run_orders(recorder, seed=9, rate=50, count=3)
    assert delivered == 3
    assert len(recorder.requests) == 3
    webhook_ids = {r.headers["X-Shopify-Webhook-Id"] for r in recorder.requests}
    event_ids = {r.headers["X-Shopify-Event-Id"] for r in recorder.requests}
    assert len(webhook_ids) == 3 and len(event_ids) == 3
    for request in recorder.requests:
        assert request.headers["X-Shopify-Topic"] == "orders/create"
        assert request.headers["X-Shopify-Shop-Domain"] == SHOP
        assert request.headers["X-Shopify-Hmac-Sha256"] == expected_hmac(SECRET, request.content)
    sent = sorted(orjson.loads(r.content)["id"] for r in recorder.requests)
    assert sent == sorted(order["id"] for order, _ in results)
    assert len(set(sent)) == 3
    for _, outcome in results:
        assert isinstance(outcome, httpx.Response) and outcome.status_code == 200


async def test_run_is_evenly_paced() -> None:
    recorder = Recorder()
    async with httpx.AsyncClient(transport=httpx.MockTransport(recorder)) as client:
        delivered = await sender(client).run(
            factory=OrderFactory(seed=1, shop=SHOP), rate=20, count=5
        )
    assert delivered == 5
    gaps = [b - a for a, b in zip(recorder.times, recorder.times[1:], strict=False)]
    assert sum(gaps) >= 0.9 * 4 / 20  # one every 50 ms, not all at once


async def test_failed_delivery_is_retried_with_same_webhook_id_and_body() -> None:
    recorder = Recorder(statuses=[500, 500, 200])
    delivered, results = await run_orders(recorder, seed=4, rate=50, count=1, retry_delays=(0, 0))
    assert delivered == 1
    assert len(recorder.requests) == 3
    first = recorder.requests[0]
    for retry in recorder.requests[1:]:
        assert retry.content == first.content
        for name in ("X-Shopify-Webhook-Id", "X-Shopify-Event-Id", "X-Shopify-Hmac-Sha256"):
            assert retry.headers[name] == first.headers[name]
    [(_, outcome)] = results
    assert isinstance(outcome, httpx.Response) and outcome.status_code == 200


async def test_run_gives_up_after_retries_and_keeps_going() -> None:
    recorder = Recorder(statuses=[503, 500, 502])  # the first order fails all three attempts
    delivered, results = await run_orders(recorder, seed=4, rate=20, count=3, retry_delays=(0, 0))
    assert delivered == 2
    assert len(recorder.requests) == 5
    statuses = sorted(r.status_code for _, r in results if isinstance(r, httpx.Response))
    assert statuses == [200, 200, 502]


async def test_connection_errors_are_reported_not_raised() -> None:
    failing: set[int] = set()
    attempts: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        order_id = orjson.loads(request.content)["id"]
        attempts.append(order_id)
        if not failing:
            failing.add(order_id)
        if order_id in failing:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(202)

    delivered, results = await run_orders(handler, seed=8, rate=100, count=3, retry_delays=(0, 0))
    assert delivered == 2
    [failed_id] = failing
    assert attempts.count(failed_id) == 3
    outcomes = {order["id"]: outcome for order, outcome in results}
    assert isinstance(outcomes[failed_id], httpx.ConnectError)
    assert sum(isinstance(r, httpx.Response) and r.status_code == 202 for _, r in results) == 2


async def test_run_rejects_a_non_positive_rate() -> None:
    async with httpx.AsyncClient(transport=httpx.MockTransport(Recorder())) as client:
        with pytest.raises(ValueError):
            await sender(client).run(factory=OrderFactory(shop=SHOP), rate=0, count=1)


async def test_deliver_with_retries_raises_the_last_transport_error() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        raise httpx.ConnectError("connection refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(httpx.ConnectError):
            await sender(client).deliver_with_retries(
                topic="orders/create", shop=SHOP, body=b"{}", delays=(0, 0), event_id="ev-1"
            )
    assert len(seen) == 3
    for name in ("X-Shopify-Webhook-Id", "X-Shopify-Event-Id", "X-Shopify-Triggered-At"):
        assert len({request.headers[name] for request in seen}) == 1
    assert seen[0].headers["X-Shopify-Event-Id"] == "ev-1"
