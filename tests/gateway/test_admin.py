"""The merchant API on the real stack: settings as events, applied on the next order."""

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import jwt
import orjson
import pytest

from simulator.followups import cancelled
from simulator.orders import OrderFactory
from tests.conftest import Stack
from tests.fixtures import eventually, open_stream, order_body, post_webhook

pytestmark = pytest.mark.integration

API_KEY = "proofstream-dev-key"


@pytest.fixture
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        yield client


def session_token(stack: Stack, shop: str, *, secret: str | None = None) -> str:
    now = int(time.time())
    claims = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": API_KEY,
        "sub": "7",
        "exp": now + 60,
        "nbf": now,
    }
    return jwt.encode(claims, secret or stack.secret, "HS256")


async def config_of(client: httpx.AsyncClient, shop: str) -> dict[str, object]:
    response = await client.get(f"/v1/storefront/{shop}/config")
    assert response.status_code == 200
    result: dict[str, object] = response.json()
    return result


async def until_config(
    client: httpx.AsyncClient, shop: str, field: str, value: object, timeout: float = 20
) -> None:
    async with asyncio.timeout(timeout):
        while (await config_of(client, shop)).get(field) != value:
            await asyncio.sleep(0.1)


async def test_invalid_settings_name_each_field(client: httpx.AsyncClient, shop: str) -> None:
    response = await client.put(
        "/api/settings",
        params={"shop": shop},
        json={"templates": ["{product}", "{first_name} got {nope}"], "corner_radius": 99},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid settings"
    assert body["fields"]["templates.1"].startswith("unknown placeholder {nope}; use one of")
    assert "less than or equal to 32" in body["fields"]["corner_radius"]


async def test_saved_settings_apply_to_next_order_and_only_that_shop(
    stack: Stack, client: httpx.AsyncClient, shop: str
) -> None:
    other = "other-" + shop
    saved = await client.put(
        "/api/settings",
        params={"shop": shop},
        json={
            "templates": ["{first_name} from {city} grabbed {product}"],
            "privacy": "initial",
            "position_desktop": "top-right",
        },
    )
    assert saved.status_code == 202, saved.text
    await until_config(client, shop, "position_desktop", "top-right")
    assert (await config_of(client, other))["position_desktop"] == "bottom-left"
    current = (await client.get("/api/settings", params={"shop": shop})).json()
    assert current["settings"]["privacy"] == "initial"

    async with (
        open_stream(f"{stack.url}/v1/storefront/{shop}/stream") as mine,
        open_stream(f"{stack.url}/v1/storefront/{other}/stream") as theirs,
    ):
        body = order_body(OrderFactory(seed=21, shop=shop), title="Lamp", first_name="Zoë")
        await post_webhook(client, stack.webhook_url, secret=stack.secret, shop=shop, body=body)
        body = order_body(OrderFactory(seed=22, shop=other), title="Mug", first_name="Zoë")
        await post_webhook(client, stack.webhook_url, secret=stack.secret, shop=other, body=body)
        assert (await mine.next(timeout=20)).json()["text"].startswith("Z. from ")
        text = (await theirs.next(timeout=20)).json()["text"]
    assert text.startswith("Zoë") and text.endswith("just bought Mug")


async def test_disabled_shop_shows_nothing(
    stack: Stack, client: httpx.AsyncClient, shop: str
) -> None:
    assert (
        await client.put("/api/settings", params={"shop": shop}, json={"enabled": False})
    ).status_code == 202
    await until_config(client, shop, "enabled", False)
    async with open_stream(f"{stack.url}/v1/storefront/{shop}/stream") as stream:
        factory = OrderFactory(seed=23, shop=shop)
        body = order_body(factory, title="Hidden")
        await post_webhook(client, stack.webhook_url, secret=stack.secret, shop=shop, body=body)
        # The sentinel: a cancel of the shop's (same partition, so handled after the order)
        # reaches the page as a `retract` event even for a disabled shop.
        cancel = orjson.dumps(cancelled(factory.order()))
        await post_webhook(
            client,
            stack.webhook_url,
            secret=stack.secret,
            shop=shop,
            body=cancel,
            topic="orders/cancelled",
        )
        before = await stream.until(lambda e: e.event == "retract")
    assert [e for e in before if e.event == "notification"] == []


async def test_preview_uses_the_real_renderer(client: httpx.AsyncClient, shop: str) -> None:
    response = await client.post(
        "/api/preview",
        params={"shop": shop},
        json={"locale": "fr", "templates": ["{first_name} ({city}) · {product} · {time_ago}"]},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["notification"]["text"] == "Emma (Toronto) · Merino Wool Sweater · il y a 2 minutes"
    assert body["config"]["locale"] == "fr"
    assert (
        await client.post("/api/preview", params={"shop": shop}, json={"templates": ["{x}"]})
    ).status_code == 422


async def test_test_notification_reaches_storefront_and_recent_list(
    stack: Stack, client: httpx.AsyncClient, shop: str
) -> None:
    async with open_stream(f"{stack.url}/v1/storefront/{shop}/stream") as stream:
        response = await client.post("/api/test-notification", params={"shop": shop})
        assert response.status_code == 202
        event = await stream.next(timeout=20)
    assert event.json()["fields"]["product"] == "Merino Wool Sweater"

    async def recorded() -> bool:
        recent = (await client.get("/api/notifications", params={"shop": shop})).json()
        return [n["id"] for n in recent["notifications"]] == [event.json()["id"]]

    await eventually(recorded)


@pytest.mark.parametrize("how", ["no token", "wrong secret", "bad shop param"])
async def test_unauthenticated_calls_are_401(
    stack: Stack, client: httpx.AsyncClient, shop: str, how: str
) -> None:
    if how == "no token":
        response = await client.get("/api/settings")
    elif how == "wrong secret":
        token = session_token(stack, shop, secret="x" * 40)
        response = await client.get("/api/settings", headers={"Authorization": f"Bearer {token}"})
    else:
        response = await client.get("/api/settings", params={"shop": "evil.com"})
    assert response.status_code == 401
    assert "error" in response.json()
