"""`POST /webhooks/shopify` against a real gateway process on the real broker."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest

from simulator.orders import OrderFactory
from simulator.webhooks import headers as shopify_headers
from simulator.webhooks import sign
from tests.conftest import Stack
from tests.fixtures import post_webhook

pytestmark = pytest.mark.integration


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


async def test_valid_order_is_accepted(
    stack: Stack, client: httpx.AsyncClient, orders: OrderFactory, shop: str
) -> None:
    response = await post_webhook(
        client, stack.webhook_url, secret=stack.secret, shop=shop, body=orders.body(orders.order())
    )
    assert response.status_code == 200
    assert response.json() == {"status": "accepted"}


async def test_tampered_body_is_401(
    stack: Stack, client: httpx.AsyncClient, orders: OrderFactory, shop: str
) -> None:
    body = orders.body(orders.order())
    headers = shopify_headers(secret=stack.secret, body=body, topic="orders/create", shop=shop)
    tampered = body.replace(b'"name":"#', b'"name":"#9', 1)
    assert tampered != body
    response = await client.post(stack.webhook_url, content=tampered, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": "HMAC does not match the body"}


async def test_wrong_secret_is_401(
    stack: Stack, client: httpx.AsyncClient, orders: OrderFactory, shop: str
) -> None:
    response = await post_webhook(
        client,
        stack.webhook_url,
        secret="not-the-secret",
        shop=shop,
        body=orders.body(orders.order()),
    )
    assert response.status_code == 401


async def test_missing_hmac_is_401(
    stack: Stack, client: httpx.AsyncClient, orders: OrderFactory, shop: str
) -> None:
    body = orders.body(orders.order())
    headers = shopify_headers(secret=stack.secret, body=body, topic="orders/create", shop=shop)
    del headers["X-Shopify-Hmac-Sha256"]
    response = await client.post(stack.webhook_url, content=body, headers=headers)
    assert response.status_code == 401


async def test_reserialized_body_is_401(
    stack: Stack, client: httpx.AsyncClient, orders: OrderFactory, shop: str
) -> None:
    body = orders.body(orders.order())
    headers = shopify_headers(secret=stack.secret, body=body, topic="orders/create", shop=shop)
    reserialized = orjson.dumps(orjson.loads(body), option=orjson.OPT_INDENT_2)
    response = await client.post(stack.webhook_url, content=reserialized, headers=headers)
    assert response.status_code == 401


async def test_header_names_any_case_and_unprefixed(
    stack: Stack, client: httpx.AsyncClient, orders: OrderFactory, shop: str
) -> None:
    body = orders.body(orders.order())
    headers = {
        k.lower().replace("x-shopify-", "shopify-"): v
        for k, v in shopify_headers(
            secret=stack.secret, body=body, topic="orders/create", shop=shop
        ).items()
    }
    headers["X-SHOPIFY-HMAC-SHA256"] = headers.pop("shopify-hmac-sha256")
    response = await client.post(stack.webhook_url, content=body, headers=headers)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b""])
async def test_signed_but_not_a_json_object_is_400(
    stack: Stack, client: httpx.AsyncClient, shop: str, body: bytes
) -> None:
    response = await post_webhook(
        client, stack.webhook_url, secret=stack.secret, shop=shop, body=body
    )
    assert response.status_code == 400
    assert "error" in response.json()


@pytest.mark.parametrize(
    "missing",
    ["X-Shopify-Topic", "X-Shopify-Shop-Domain", "X-Shopify-Webhook-Id", "X-Shopify-API-Version"],
)
async def test_missing_required_header_is_400(
    stack: Stack, client: httpx.AsyncClient, orders: OrderFactory, shop: str, missing: str
) -> None:
    body = orders.body(orders.order())
    headers = shopify_headers(secret=stack.secret, body=body, topic="orders/create", shop=shop)
    del headers[missing]
    response = await client.post(stack.webhook_url, content=body, headers=headers)
    assert response.status_code == 400
    assert missing in response.json()["error"]


@pytest.mark.parametrize(
    "domain",
    ["evil.com", "shop.myshopify.com.evil.com", "SHOP.myshopify.com", "shop.myshopify.com."],
)
async def test_foreign_shop_domain_is_400(
    stack: Stack, client: httpx.AsyncClient, orders: OrderFactory, domain: str
) -> None:
    response = await post_webhook(
        client,
        stack.webhook_url,
        secret=stack.secret,
        shop=domain,
        body=orders.body(orders.order()),
    )
    assert response.status_code == 400


async def test_body_over_limit_is_413(stack: Stack, client: httpx.AsyncClient, shop: str) -> None:
    body = b'{"note": "' + b"x" * 70_000 + b'"}'  # the stack's limit is 64 KiB
    response = await post_webhook(
        client, stack.webhook_url, secret=stack.secret, shop=shop, body=body
    )
    assert response.status_code == 413


async def test_unknown_topic_is_200_and_not_produced(
    stack: Stack, client: httpx.AsyncClient, shop: str
) -> None:
    body = b'{"id": 1}'
    response = await post_webhook(
        client,
        stack.webhook_url,
        secret=stack.secret,
        shop=shop,
        body=body,
        topic="collections/update",
    )
    assert response.status_code == 200
    assert response.json() == {"status": "ignored"}
    metrics = (await client.get(f"{stack.url}/metrics")).text
    assert 'proofstream_webhooks_total{outcome="ignored",topic="collections/update"}' in metrics


async def test_errors_are_json_without_traces(stack: Stack, client: httpx.AsyncClient) -> None:
    response = await client.get(f"{stack.url}/no/such/page")
    assert response.status_code == 404
    assert response.json() == {"error": "Not Found"}
    response = await client.get(f"{stack.url}/v1/storefront/evil.com/config")
    assert response.status_code == 404
    assert "Traceback" not in response.text


async def test_health_and_readiness(stack: Stack, client: httpx.AsyncClient) -> None:
    assert (await client.get(f"{stack.url}/healthz")).json() == {"status": "ok"}
    ready = await client.get(f"{stack.url}/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "redis": True, "broker": True}


def test_sign_helper_agrees_with_gateway_vector() -> None:
    assert sign("hush", b'{"id":1}') == "VnKUjZsLuN5iZWjn5EntcBVCF9kMN43LglzCE1/GSeY="


async def test_repeated_deliveries_are_deduplicated(
    stack: Stack, client: httpx.AsyncClient, orders: OrderFactory, shop: str
) -> None:
    payload = orders.order()
    body = orders.body(payload)
    first = await post_webhook(
        client,
        stack.webhook_url,
        secret=stack.secret,
        shop=shop,
        body=body,
        **{"X-Shopify-Event-Id": "event-1"},
    )
    same_event = await post_webhook(
        client,
        stack.webhook_url,
        secret=stack.secret,
        shop=shop,
        body=body,
        **{"X-Shopify-Event-Id": "event-1"},
    )
    same_order = await post_webhook(
        client,
        stack.webhook_url,
        secret=stack.secret,
        shop=shop,
        body=body,
        **{"X-Shopify-Event-Id": "event-2"},
    )
    other_shop = await post_webhook(
        client,
        stack.webhook_url,
        secret=stack.secret,
        shop="b-" + shop,
        body=body,
        **{"X-Shopify-Event-Id": "event-1"},
    )
    assert [r.json()["status"] for r in (first, same_event, same_order, other_shop)] == [
        "accepted",
        "duplicate",
        "duplicate",
        "accepted",
    ]


async def test_concurrent_repeats_are_accepted_once(
    stack: Stack, orders: OrderFactory, shop: str
) -> None:
    # Every delivery twice at once: the claims meet in the same Redis pipeline.
    bodies = [orders.body(orders.order()) for _ in range(8)]
    async with httpx.AsyncClient(timeout=10, limits=httpx.Limits(max_connections=16)) as client:
        answers = await asyncio.gather(
            *(
                post_webhook(
                    client,
                    stack.webhook_url,
                    secret=stack.secret,
                    shop=shop,
                    body=body,
                    **{"X-Shopify-Event-Id": f"event-{i}"},
                )
                for i, body in enumerate(bodies)
                for _ in range(2)
            )
        )
    statuses = [answer.json()["status"] for answer in answers]
    assert all(
        sorted(pair) == ["accepted", "duplicate"]
        for pair in zip(statuses[0::2], statuses[1::2], strict=True)
    )
