"""The Shopify app's test deployment: a gateway on PostgreSQL whose Shopify is the simulator
(the session's worker renders), and the helpers its tests share."""

import asyncio
import hashlib
import hmac
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from redis.asyncio import Redis

from proofstream.services import ManagedProcess, free_port, start_component, wait_for_http
from simulator.server import running_simulator
from simulator.shopify import ShopifySimulator
from storage.database import create_engine, sessionmaker
from storage.repository import shop_row_counts
from tests.conftest import SECRET, Stack, stack_env
from tests.storage.conftest import POSTGRES_URL

__all__ = [
    "API_KEY",
    "App",
    "app",
    "eventually",
    "install_by_oauth",
    "recorded",
    "rows",
    "signed_query",
    "worker_logged",
]

API_KEY = "proofstream-dev-key"
# What only a webhook body holds: its private keys, and buyers' email addresses.
PRIVATE_KEY = re.compile(r'"(email|phone|address1|last_name|browser_ip)"\s*:')
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[a-z]{2,}")
TOKEN_TTL_S = 302  # with the 300 s refresh margin, a token is fresh for ~2 s


@dataclass
class App:
    url: str
    sim: ShopifySimulator
    gateway: ManagedProcess
    redis: Redis

    @property
    def webhook_url(self) -> str:
        return f"{self.url}/webhooks/shopify"


@pytest.fixture(scope="session")
async def app(
    stack: Stack, postgres: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[App]:
    """A gateway on PostgreSQL whose Shopify is the simulator; the session's worker renders."""
    logs: Path = tmp_path_factory.mktemp("shopify-app")
    async with running_simulator(
        api_key=API_KEY, api_secret=SECRET, access_token_ttl_s=TOKEN_TTL_S
    ) as (admin_url, sim):
        port = free_port()
        env = stack_env(
            bootstrap=stack.bootstrap, redis_url=stack.redis_url, port=port, database_url=postgres
        )
        env |= {"SHOPIFY_ADMIN_URL": admin_url, "PROOFSTREAM_DEV_MODE": "false"}
        env["PROOFSTREAM_TOKEN_KEYS"] = "7kH2Y6r0i6Qc2O9jv3wTqk1y5sXo0yM5H4p7VZbqC2E="
        gateway = start_component("gateway", name="gateway-shopify", env=env, logs=logs)
        redis = Redis.from_url(stack.redis_url)
        try:
            await asyncio.to_thread(
                wait_for_http, f"http://127.0.0.1:{port}/readyz", process=gateway, timeout_s=60
            )
            yield App(url=f"http://127.0.0.1:{port}", sim=sim, gateway=gateway, redis=redis)
        finally:
            gateway.stop()
            await redis.aclose()
        # No secret, token or webhook body in any log line of the run: this gateway's, and
        # the session's gateway and worker, which saw every test's webhooks so far.
        secrets = {
            SECRET,
            env["PROOFSTREAM_TOKEN_KEYS"],
            *sim.oauth.access_tokens,
            *sim.oauth.refresh_tokens,
        }
        assert {call["token"] for call in sim.graphql_calls} <= secrets
        for path in (logs / "gateway-shopify.log", stack.gateway.log_path, stack.worker.log_path):
            text = path.read_text(errors="replace")
            assert not [s for s in secrets if s in text], f"a secret in {path}"
            assert not PRIVATE_KEY.search(text), f"a webhook body in {path}"
            assert not EMAIL.search(text), f"an email address in {path}"


def signed_query(**params: str) -> dict[str, str]:
    """A query as Shopify signs it (independent of the app's verifier)."""
    message = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    digest = hmac.new(SECRET.encode(), message.encode(), hashlib.sha256).hexdigest()
    return {**params, "hmac": digest}


async def install_by_oauth(app: App, client: httpx.AsyncClient, shop: str) -> httpx.Response:
    query = signed_query(shop=shop, timestamp=str(int(time.time())))
    start = await client.get(f"{app.url}/auth/install", params=query)
    assert start.status_code == 302, start.text
    authorize = start.headers["location"]
    assert f"/shops/{shop}/admin/oauth/authorize?client_id={API_KEY}&" in authorize
    approved = await client.get(authorize + "&auto=1")
    assert approved.status_code == 302
    callback = approved.headers["location"]
    assert urlsplit(callback).path == "/auth/callback"
    return await client.get(callback)


async def rows(shop: str) -> dict[str, int]:
    engine = create_engine(POSTGRES_URL)
    try:
        async with sessionmaker(engine)() as session:
            return await shop_row_counts(session, shop=shop)
    finally:
        await engine.dispose()


async def recorded(shop: str, count: int) -> bool:
    return (await rows(shop))["notifications"] == count


async def eventually(check, timeout: float = 20) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.1)


async def worker_logged(stack: Stack, webhook_id: str, event: str) -> bool:
    return any(
        webhook_id in line and f'"{event}"' in line
        for line in stack.worker.log_path.read_text(errors="replace").splitlines()
    )
