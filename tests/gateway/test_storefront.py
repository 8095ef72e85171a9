"""Storefront routes in process, on the real broker and Redis: a burst of requests larger
than the Redis connection pool waits for a connection instead of failing, and only the
routes the widget reads from merchants' origins answer other origins (CORS), refusals
included."""

import asyncio
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from simulator.orders import OrderFactory
from simulator.webhooks import headers as shopify_headers
from tests.conftest import SECRET
from tests.fixtures import gateway_in_process, in_process_settings

pytestmark = pytest.mark.integration


async def test_burst_beyond_the_redis_pool_is_served(
    bootstrap: str, redis_url: str, tmp_path: Path, shop: str
) -> None:
    settings = in_process_settings(
        bootstrap=bootstrap,
        redis_url=redis_url,
        folder=tmp_path,
        PROOFSTREAM_REDIS_MAX_CONNECTIONS=2,
        PROOFSTREAM_DEV_MODE=True,
    )
    async with gateway_in_process(settings) as (_, client):
        answers = await asyncio.gather(
            *(client.get(f"/v1/storefront/{shop}/config") for _ in range(60))
        )
    assert [a.status_code for a in answers] == [200] * 60
    assert answers[0].json()["enabled"] is True


async def test_cors_covers_the_widgets_routes_only(
    bootstrap: str, redis_url: str, tmp_path: Path, shop: str
) -> None:
    merchant = f"https://{shop}"
    settings = in_process_settings(
        bootstrap=bootstrap,
        redis_url=redis_url,
        folder=tmp_path,
        SHOPIFY_API_SECRET=SecretStr(SECRET),
        PROOFSTREAM_CORS_ORIGINS=f"{merchant}, https://other.example",
        PROOFSTREAM_DEV_MODE=True,
    )
    orders = OrderFactory(seed=3, shop=shop)
    body = orders.body(orders.order())
    webhook = shopify_headers(secret=SECRET, body=body, topic="orders/create", shop=shop)
    async with gateway_in_process(settings) as (_, client):
        config = await client.get(f"/v1/storefront/{shop}/config", headers={"Origin": merchant})
        stranger = await client.get(
            f"/v1/storefront/{shop}/config", headers={"Origin": "https://evil.example"}
        )
        # What EventSource asks before reconnecting with Last-Event-ID.
        preflight = await client.options(
            f"/v1/storefront/{shop}/stream",
            headers={
                "Origin": merchant,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "last-event-id",
            },
        )
        api = await client.get(f"/api/settings?shop={shop}", headers={"Origin": merchant})
        accepted = await client.post(
            "/webhooks/shopify", content=body, headers={**webhook, "Origin": merchant}
        )
    assert config.status_code == 200
    assert config.headers["access-control-allow-origin"] == merchant
    assert stranger.status_code == 200 and "access-control-allow-origin" not in stranger.headers
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == merchant
    assert "last-event-id" in preflight.headers["access-control-allow-headers"].lower()
    assert api.status_code == 200 and "access-control-allow-origin" not in api.headers
    assert accepted.json() == {"status": "accepted"}
    assert "access-control-allow-origin" not in accepted.headers
    assert "vary" not in accepted.headers


async def test_refusals_reach_a_widget_on_another_origin(
    bootstrap: str, redis_url: str, tmp_path: Path, shop: str
) -> None:
    # Inside the CORS middleware: a widget on the merchant's domain reads a 404 (stop for
    # good) or a 422 as such, and may read Retry-After, instead of a network error.
    merchant = f"https://{shop}"
    settings = in_process_settings(
        bootstrap=bootstrap,
        redis_url=redis_url,
        folder=tmp_path,
        SHOPIFY_API_SECRET=SecretStr(SECRET),
        PROOFSTREAM_TOKEN_KEYS=SecretStr(Fernet.generate_key().decode()),
        PROOFSTREAM_CORS_ORIGINS=merchant,
    )
    async with gateway_in_process(settings) as (_, client):
        origin = {"Origin": merchant}
        never_installed = await client.get(f"/v1/storefront/{shop}/config", headers=origin)
        stream = await client.get(f"/v1/storefront/{shop}/stream", headers=origin)
        malformed = await client.get(
            f"/v1/storefront/{shop}/stream?last_event_id=yesterday", headers=origin
        )
    for answer in (never_installed, stream):
        assert answer.status_code == 404
        assert answer.headers["access-control-allow-origin"] == merchant
        assert "retry-after" in answer.headers["access-control-expose-headers"].lower()
        assert answer.json() == {"error": "this shop has not installed proofstream"}
    assert malformed.status_code == 422
    assert malformed.headers["access-control-allow-origin"] == merchant
    assert "last_event_id" in malformed.json()["fields"]


async def test_storefront_events_are_validated_and_rate_limited(
    bootstrap: str, redis_url: str, tmp_path: Path, shop: str
) -> None:
    merchant = f"https://{shop}"
    settings = in_process_settings(
        bootstrap=bootstrap,
        redis_url=redis_url,
        folder=tmp_path,
        PROOFSTREAM_DEV_MODE=True,
        PROOFSTREAM_CORS_ORIGINS=merchant,
        PROOFSTREAM_EVENTS_PER_MINUTE=3,
    )
    nid = "0123456789abcdef" * 2
    async with gateway_in_process(settings) as (app, client):
        url = f"/v1/storefront/{shop}/events"
        # text/plain: a simple cross-origin request, no preflight.
        plain = {"Origin": merchant, "Content-Type": "text/plain;charset=UTF-8"}

        async def post(body: bytes) -> httpx.Response:
            return await client.post(url, content=body, headers=plain)

        wrong_kind = await post(b'{"id": "%s", "type": "purchase"}' % nid.encode())
        wrong_id = await post(b'{"id": "../x", "type": "click"}')
        not_json = await post(b"click")
        counted = [
            await post(b'{"id": "%s", "type": "%s"}' % (nid.encode(), kind))
            for kind in (b"impression", b"hover", b"click", b"click")
        ]
        kinds = app.state.fanout.deliveries._counts[shop]
    assert wrong_kind.status_code == 422 and "type" in wrong_kind.json()["fields"]
    assert wrong_id.status_code == 422 and "id" in wrong_id.json()["fields"]
    assert not_json.status_code == 400
    assert [a.status_code for a in counted] == [204, 204, 204, 429]  # 3 a minute here
    assert counted[3].headers["access-control-allow-origin"] == merchant
    assert 0 < int(counted[3].headers["retry-after"]) <= 60
    assert {kind: dict(c) for kind, c in kinds.items()} == {
        "impressions": {nid: 1},
        "hovers": {nid: 1},
        "clicks": {nid: 1},
    }
