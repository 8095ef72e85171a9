"""Stopping a gateway with storefronts connected (real broker and Redis): SIGTERM ends every
SSE stream at once, so the process exits cleanly well before uvicorn's graceful timeout."""

import asyncio
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from proofstream.services import ManagedProcess
from tests.conftest import gateway_process

pytestmark = pytest.mark.integration


@pytest.fixture
def gateway(bootstrap: str, redis_url: str, tmp_path: Path) -> Iterator[tuple[str, ManagedProcess]]:
    with gateway_process(bootstrap=bootstrap, redis_url=redis_url, folder=tmp_path) as (
        url,
        _,
        process,
    ):
        yield url, process


async def read_until_closed(url: str, opened: asyncio.Event) -> bytes:
    received = b""
    async with httpx.AsyncClient(timeout=httpx.Timeout(5, read=30)) as client:
        async with client.stream("GET", url) as response:
            async for chunk in response.aiter_bytes():
                received += chunk
                if b"event: ready" in received:
                    opened.set()
    return received


async def test_sigterm_ends_streams_and_exits_promptly(
    gateway: tuple[str, ManagedProcess], shop: str
) -> None:
    url, process = gateway
    readers = []
    for _ in range(3):
        opened = asyncio.Event()
        readers.append(
            asyncio.create_task(read_until_closed(f"{url}/v1/storefront/{shop}/stream", opened))
        )
        await asyncio.wait_for(opened.wait(), 10)
    started = time.monotonic()
    returncode = await asyncio.to_thread(process.stop)
    stopped_in = time.monotonic() - started
    # uvicorn re-raises the signal once it has shut down cleanly.
    assert returncode == -signal.SIGTERM
    assert stopped_in < 3, f"took {stopped_in:.1f} s: the graceful timeout ran out"
    for received in await asyncio.wait_for(asyncio.gather(*readers), 5):
        assert received.startswith(b"retry: 2000\nevent: ready")
