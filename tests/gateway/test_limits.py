"""Abuse limits on a gateway of its own with low caps: SSE connections per client address
and per shop (429 with Retry-After), request headers that arrive too slowly or too large
(408, 431), a body that trickles in (408) - and a kept-alive connection is not mistaken
for a slow one."""

import asyncio
import socket
from collections.abc import Iterator
from contextlib import AsyncExitStack

import httpx
import pytest

from tests.conftest import gateway_process
from tests.fixtures import open_stream

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def url(bootstrap: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with gateway_process(
        bootstrap=bootstrap,
        redis_url=redis_url,
        folder=tmp_path_factory.mktemp("limits"),
        PROOFSTREAM_SSE_MAX_PER_CLIENT="3",
        PROOFSTREAM_SSE_MAX_PER_SHOP="2",
        PROOFSTREAM_HEADER_TIMEOUT_S="1",
        PROOFSTREAM_MAX_HEADER_BYTES="4096",
        PROOFSTREAM_BODY_TIMEOUT_S="1",
    ) as (url, _, _):
        yield url


def stream(url: str, shop: str) -> str:
    return f"{url}/v1/storefront/{shop}/stream"


async def status_of(url: str, *, source: str = "127.0.0.1") -> httpx.Response:
    """The answer's head (a stream that is admitted is left at once)."""
    transport = httpx.AsyncHTTPTransport(local_address=source)
    async with (
        httpx.AsyncClient(transport=transport, timeout=5) as client,
        client.stream("GET", url) as response,
    ):
        return response


async def test_streams_are_capped_per_shop_and_per_address(url: str, shop: str) -> None:
    other, third = "b" + shop, "c" + shop
    async with AsyncExitStack() as held:
        for _ in range(2):
            await held.enter_async_context(open_stream(stream(url, shop)))
        refused = await status_of(stream(url, shop))
        assert refused.status_code == 429 and refused.headers["retry-after"] == "10"
        await held.enter_async_context(open_stream(stream(url, other)))  # 3 from this address
        assert (await status_of(stream(url, third))).status_code == 429
        # Another address is not held back by this one's streams.
        assert (await status_of(stream(url, third), source="127.0.0.2")).status_code == 200
    # Closed streams give their places back.
    async with open_stream(stream(url, shop)), open_stream(stream(url, shop)):
        pass


async def raw(url: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = url.removeprefix("http://").split(":")
    return await asyncio.open_connection(host, int(port))


async def test_headers_that_arrive_too_slowly_are_cut(url: str) -> None:
    reader, writer = await raw(url)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
    async with asyncio.timeout(5):
        answer = await reader.read()
    assert answer.startswith(b"HTTP/1.1 408 Request Timeout")
    writer.close()


async def test_headers_over_the_size_limit_are_refused(url: str) -> None:
    reader, writer = await raw(url)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    for _ in range(10):
        writer.write(b"X-Padding: " + b"a" * 500 + b"\r\n")
        await writer.drain()
    async with asyncio.timeout(5):
        answer = await reader.read()
    assert answer.startswith(b"HTTP/1.1 431 Request Header Fields Too Large")
    writer.close()


async def test_a_body_that_trickles_in_is_cut(url: str, shop: str) -> None:
    reader, writer = await raw(url)
    writer.write(
        b"POST /webhooks/shopify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Content-Length: 1000\r\n\r\n{"id": 1'
    )
    async with asyncio.timeout(5):
        head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ")
    writer.close()


async def test_a_kept_alive_connection_is_not_a_slow_one(url: str) -> None:
    async with httpx.AsyncClient(base_url=url) as client:
        assert (await client.get("/healthz")).status_code == 200
        await asyncio.sleep(1.5)  # past the header timeout, within keep-alive (5 s)
        assert (await client.get("/healthz")).status_code == 200


def test_the_second_loopback_address_answers() -> None:
    # 127.0.0.2 is loopback on Linux; the per-address test above relies on it.
    with socket.socket() as probe:
        probe.bind(("127.0.0.2", 0))
