"""`gateway.dedupe.Deduper` on the real Redis: claims made together go out as one pipeline
and still behave one by one, in order; the gateway answers 503 while Redis is away and
deduplicates again once it is back."""

import asyncio
import uuid
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import ConnectionError as RedisConnectionError

from gateway.dedupe import Deduper
from gateway.errors import StoreUnavailable
from proofstream.services import free_port, start_redis
from simulator.orders import OrderFactory
from tests.conftest import SECRET
from tests.fixtures import gateway_in_process, in_process_settings, post_webhook

pytestmark = pytest.mark.integration


def keys(n: int) -> list[str]:
    run = uuid.uuid4().hex[:10]
    return [f"ps:{{test-{run}}}:webhook:{i}" for i in range(n)]


async def test_claims_made_together_are_decided_in_order(redis: Redis) -> None:
    a, b, c = keys(3)
    dedupe = Deduper(redis, ttl_s=60)
    sent: list[int] = []
    execute = redis.pipeline  # count the pipelines that go out

    def counting_pipeline(transaction: bool = True, shard_hint: str | None = None) -> Pipeline:
        sent.append(1)
        return execute(transaction=transaction, shard_hint=shard_hint)

    redis.pipeline = counting_pipeline  # type: ignore[method-assign]
    results = await asyncio.gather(
        dedupe.claim([a]), dedupe.claim([a]), dedupe.claim([b]), dedupe.claim([b, c])
    )
    assert list(results) == [True, False, True, False]
    assert len(sent) == 1
    assert await redis.exists(c) == 0  # a refused claim sets none of its keys
    assert 0 < await redis.ttl(a) <= 60
    await dedupe.release([a])
    assert await dedupe.claim([a]) is True


async def test_a_claim_whose_request_is_gone_is_released(redis: Redis) -> None:
    (key,) = keys(1)
    dedupe = Deduper(redis, ttl_s=60)
    waiting = asyncio.ensure_future(dedupe.claim([key]))
    await asyncio.sleep(0)  # the claim is queued; its pipeline has not gone out yet
    waiting.cancel()
    for _ in range(200):
        await asyncio.sleep(0.01)
        if not dedupe._sending:
            break
    assert waiting.cancelled()
    assert await redis.exists(key) == 0
    assert await dedupe.claim([key]) is True


async def test_redis_away_fails_every_claim_of_the_batch() -> None:
    client = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=1)
    dedupe = Deduper(client, ttl_s=60)
    results = await asyncio.gather(
        dedupe.claim(keys(1)), dedupe.claim(keys(1)), return_exceptions=True
    )
    await client.aclose()
    assert len(results) == 2
    # Our own error (503), caused by Redis's.
    assert all(isinstance(result, StoreUnavailable) for result in results)
    assert all(
        isinstance(result, StoreUnavailable) and isinstance(result.__cause__, RedisConnectionError)
        for result in results
    )


async def test_gateway_answers_503_while_redis_is_away_then_recovers(
    bootstrap: str, tmp_path: Path, shop: str
) -> None:
    port = free_port()
    redis_server, url = start_redis(log_path=tmp_path / "redis.log", port=port)
    settings = in_process_settings(
        bootstrap=bootstrap,
        redis_url=url,
        folder=tmp_path,
        SHOPIFY_API_SECRET=SecretStr(SECRET),
        PROOFSTREAM_DEV_MODE=True,
    )
    orders = OrderFactory(seed=5, shop=shop)
    first, second = (orders.body(orders.order()) for _ in range(2))
    try:
        async with gateway_in_process(settings) as (_, client):

            async def deliver(body: bytes) -> httpx.Response:
                return await post_webhook(
                    client, "/webhooks/shopify", secret=SECRET, shop=shop, body=body
                )

            assert (await deliver(first)).json() == {"status": "accepted"}
            redis_server.stop()
            away = await deliver(second)
            redis_server, _ = start_redis(log_path=tmp_path / "redis.log", port=port)
            back = await deliver(second)
            repeat = await deliver(second)
    finally:
        redis_server.stop()
    assert away.status_code == 503 and away.headers["retry-after"] == "1"
    assert "error" in away.json()
    assert back.json() == {"status": "accepted"}  # the failed claim held nothing
    assert repeat.json() == {"status": "duplicate"}
