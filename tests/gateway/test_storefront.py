"""Storefront routes in process, on the real broker and Redis: a burst of requests larger
than the Redis connection pool waits for a connection instead of failing."""

import asyncio
from pathlib import Path

import httpx
import pytest

from gateway.app import create_app
from proofstream.settings import Settings

pytestmark = pytest.mark.integration


async def test_burst_beyond_the_redis_pool_is_served(
    bootstrap: str, redis_url: str, tmp_path: Path, shop: str
) -> None:
    settings = Settings(
        KAFKA_BOOTSTRAP_SERVERS=bootstrap,
        REDIS_URL=redis_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/gateway.db",
        PROOFSTREAM_REDIS_MAX_CONNECTIONS=2,
        PROOFSTREAM_DEV_MODE=True,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            answers = await asyncio.gather(
                *(client.get(f"/v1/storefront/{shop}/config") for _ in range(60))
            )
    assert [a.status_code for a in answers] == [200] * 60
    assert answers[0].json()["enabled"] is True
