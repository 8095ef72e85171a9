"""Offline tokens and the Admin client against the simulator (ASGI transport) on SQLite."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from shopify_app.errors import NotInstalled, ShopifyUnavailable
from shopify_app.graphql import AdminClient
from shopify_app.offline import OfflineTokenManager
from shopify_app.tokens import TokenClient, TokenGrant
from simulator.server import create_simulator
from simulator.shopify import ShopifySimulator
from storage.crypto import TokenCipher, generate_key
from storage.database import create_engine, migrate, sessionmaker

KEY, SECRET = "app-key", "app-secret-0123456789abcdef0123456789"
ADMIN_URL = "http://shopify.test/shops/{shop}"
SHOP_QUERY = "query { shop { name myshopifyDomain } }"


@dataclass
class Harness:
    sim: ShopifySimulator
    clock: list[float]
    tokens: OfflineTokenManager
    admin: AdminClient
    client: TokenClient

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock[0], UTC)

    def grants(self, shop: str, kind: str) -> int:
        return len([r for r in self.sim.token_requests if r["shop"] == shop and r["grant"] == kind])


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    clock = [1_900_000_000.0]
    app = create_simulator(api_key=KEY, api_secret=SECRET, clock=lambda: clock[0])
    url = f"sqlite+aiosqlite:///{tmp_path}/tokens.db"
    await migrate(url)
    engine = create_engine(url)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        client = TokenClient(http, admin_url=ADMIN_URL, api_key=KEY, api_secret=SECRET)
        tokens = OfflineTokenManager(
            db=sessionmaker(engine),
            cipher=TokenCipher([generate_key()]),
            client=client,
            clock=lambda: datetime.fromtimestamp(clock[0], UTC),
            api_version="2026-10",
            retry_delay_s=0,
        )
        admin = AdminClient(
            http, admin_url=ADMIN_URL, api_version="2026-10", tokens=tokens, backoff_s=0.01
        )
        yield Harness(app.state.shopify, clock, tokens, admin, client)
    await engine.dispose()


def grant_of(answer: dict[str, object], now: datetime) -> TokenGrant:
    expires_in = answer.get("expires_in")
    refresh_in = answer.get("refresh_token_expires_in")
    return TokenGrant(
        access_token=str(answer["access_token"]),
        scope=str(answer.get("scope", "")),
        expires=now + timedelta(seconds=int(str(expires_in))) if expires_in else None,
        refresh_token=str(answer["refresh_token"]) if "refresh_token" in answer else None,
        refresh_token_expires=now + timedelta(seconds=int(str(refresh_in))) if refresh_in else None,
    )


async def test_fresh_token_is_used_without_a_refresh(harness: Harness, shop: str) -> None:
    await harness.tokens.install(shop, grant_of(harness.sim.install(shop), harness.now()))
    data = await harness.admin.query(shop, SHOP_QUERY)
    assert data["shop"]["myshopifyDomain"] == shop
    assert harness.grants(shop, "refresh_token") == 0


async def test_expiring_token_is_refreshed_once_under_concurrency(
    harness: Harness, shop: str
) -> None:
    await harness.tokens.install(shop, grant_of(harness.sim.install(shop), harness.now()))
    first = await harness.tokens.access_token(shop)
    harness.clock[0] += 3600 - 60  # inside the refresh margin
    tokens = await asyncio.gather(*(harness.tokens.access_token(shop) for _ in range(10)))
    assert len(set(tokens)) == 1 and tokens[0] != first
    assert harness.grants(shop, "refresh_token") == 1
    assert (await harness.admin.query(shop, SHOP_QUERY))["shop"]["myshopifyDomain"] == shop


async def test_legacy_non_expiring_token_is_migrated(harness: Harness, shop: str) -> None:
    legacy = harness.sim.install(shop, expiring=False)
    await harness.tokens.install(shop, grant_of(legacy, harness.now()))
    token = await harness.tokens.access_token(shop)
    assert token != legacy["access_token"]
    [migration] = [r for r in harness.sim.token_requests if r["shop"] == shop]
    assert migration["grant"] == "token_exchange" and migration["expiring"]
    assert (await harness.admin.query(shop, SHOP_QUERY))["shop"]["myshopifyDomain"] == shop


async def test_expired_refresh_token_means_reinstall(harness: Harness, shop: str) -> None:
    await harness.tokens.install(shop, grant_of(harness.sim.install(shop), harness.now()))
    harness.clock[0] += 91 * 24 * 3600
    with pytest.raises(NotInstalled, match="reinstall"):
        await harness.tokens.access_token(shop)


async def test_unknown_shop_is_not_installed(harness: Harness, shop: str) -> None:
    with pytest.raises(NotInstalled):
        await harness.tokens.access_token(shop)


async def test_retried_refresh_is_answered_with_the_same_pair(harness: Harness, shop: str) -> None:
    # The app lost the answer to its refresh: retrying the same refresh token still works.
    await harness.tokens.install(shop, grant_of(harness.sim.install(shop), harness.now()))
    answer = harness.sim.install(shop)
    refresh = str(answer["refresh_token"])
    first = await harness.client.refresh(shop, refresh_token=refresh, now=harness.now())
    again = await harness.client.refresh(shop, refresh_token=refresh, now=harness.now())
    assert (again.access_token, again.refresh_token) == (first.access_token, first.refresh_token)


async def test_graphql_retries_throttling_and_5xx(harness: Harness, shop: str) -> None:
    await harness.tokens.install(shop, grant_of(harness.sim.install(shop), harness.now()))
    harness.sim.fail_next_graphql(shop, status=503, times=2)
    assert (await harness.admin.query(shop, SHOP_QUERY))["shop"]["myshopifyDomain"] == shop
    harness.sim.throttle(shop)
    harness.clock[0] += 0.05  # the simulator's bucket refills with its clock

    async def tick() -> None:
        for _ in range(100):
            await asyncio.sleep(0.02)
            harness.clock[0] += 0.5

    ticking = asyncio.create_task(tick())
    try:
        assert (await harness.admin.query(shop, SHOP_QUERY))["shop"]["myshopifyDomain"] == shop
    finally:
        ticking.cancel()
    shop_calls = [c for c in harness.sim.graphql_calls if c["shop"] == shop]
    assert len(shop_calls) >= 2


async def test_graphql_gives_up_on_persistent_5xx(harness: Harness, shop: str) -> None:
    await harness.tokens.install(shop, grant_of(harness.sim.install(shop), harness.now()))
    harness.sim.fail_next_graphql(shop, status=502, times=10)
    with pytest.raises(ShopifyUnavailable):
        await harness.admin.query(shop, SHOP_QUERY)
