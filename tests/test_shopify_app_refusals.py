"""The Shopify app refuses what Shopify did not send: foreign shop domains, tampered or
stale install queries, a replayed OAuth state, forged session tokens."""

import time
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from tests.app_deployment import (
    App,
    app,
    signed_query,
)

__all__ = ["app"]

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    "domain",
    ["evil.com", "shop.myshopify.com.evil.com", "SHOP.myshopify.com", "shop.myshopify.com."],
)
async def test_foreign_shop_domains_are_refused(app: App, domain: str) -> None:
    async with httpx.AsyncClient() as client:
        query = signed_query(shop=domain, timestamp=str(int(time.time())))
        assert (await client.get(f"{app.url}/auth/install", params=query)).status_code == 400


async def test_tampered_and_stale_install_queries_are_refused(app: App, shop: str) -> None:
    async with httpx.AsyncClient() as client:
        tampered = {**signed_query(shop=shop, timestamp=str(int(time.time()))), "shop": "x-" + shop}
        assert (await client.get(f"{app.url}/auth/install", params=tampered)).status_code in (
            400,
            401,
        )
        tampered = {**signed_query(shop=shop, timestamp=str(int(time.time()))), "extra": "1"}
        assert (await client.get(f"{app.url}/auth/install", params=tampered)).status_code == 401
        stale = signed_query(shop=shop, timestamp=str(int(time.time()) - 120))
        assert (await client.get(f"{app.url}/auth/install", params=stale)).status_code == 401


async def test_replayed_state_is_refused(app: App, shop: str) -> None:
    app.sim.add_shop(shop)
    async with httpx.AsyncClient(timeout=15) as client:
        query = signed_query(shop=shop, timestamp=str(int(time.time())))
        start = await client.get(f"{app.url}/auth/install", params=query)
        approved = await client.get(start.headers["location"] + "&auto=1")
        callback = approved.headers["location"]
        assert (await client.get(callback)).status_code == 302
        cookie = start.cookies.get("proofstream_oauth_state")
        assert cookie
    # The same callback again, cookie and all (a replay from a stolen browser session).
    async with httpx.AsyncClient(cookies={"proofstream_oauth_state": cookie}) as replayer:
        assert (await replayer.get(callback)).status_code == 401
        # A forged state (cookie from another install attempt) is refused too.
        params = parse_qs(urlsplit(callback).query)
        params["state"] = ["not-the-state"]
        forged = f"{app.url}/auth/callback?{urlencode({k: v[0] for k, v in params.items()})}"
        assert (await replayer.get(forged)).status_code == 401


@pytest.mark.parametrize("forgery", ["wrong secret", "wrong audience", "expired"])
async def test_forged_session_tokens_are_refused(app: App, shop: str, forgery: str) -> None:
    token = {
        "wrong secret": lambda: app.sim.session_token(shop, secret="x" * 40),
        "wrong audience": lambda: app.sim.session_token(shop, aud="another-app"),
        "expired": lambda: app.sim.session_token(shop, ttl_s=-60),
    }[forgery]()
    async with httpx.AsyncClient() as client:
        response = await client.get(
            f"{app.url}/api/settings", headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 401
    assert "error" in response.json()
