"""One Redis subscription per process, freed when the last client leaves (real Redis)."""

import asyncio
import socket
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from redis.asyncio import Redis

from gateway.fanout import Fanout, parse_stream_id
from streams.redis import channel
from tests.conftest import Stack
from tests.fixtures import open_stream

pytestmark = pytest.mark.integration


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def subscribers(redis: Redis, shop: str) -> int:
    counts = await redis.pubsub_numsub(channel(shop))
    return int(counts[0][1])


async def eventually(check, expected: int, timeout: float = 5) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while (value := await check()) != expected:
            await asyncio.sleep(0.05)
    assert value == expected


async def test_many_clients_share_one_subscription(redis: Redis, shop: str) -> None:
    fanout = Fanout(redis, queue_size=8)
    await fanout.start()
    try:
        async with fanout.subscribe(shop) as first, fanout.subscribe(shop) as second:
            assert await subscribers(redis, shop) == 1
            await redis.publish(channel(shop), b"1700000000000-1 {}")
            got = await asyncio.wait_for(anext(aiter(first)), 5)
            assert got == await asyncio.wait_for(anext(aiter(second)), 5)
            assert got.stream_id == (1700000000000, 1)
        await eventually(lambda: subscribers(redis, shop), 0)
        assert fanout.channels == 0
    finally:
        await fanout.stop()


async def test_slow_client_is_dropped_without_blocking_others(redis: Redis, shop: str) -> None:
    fanout = Fanout(redis, queue_size=2)
    await fanout.start()
    try:
        async with fanout.subscribe(shop) as slow, fanout.subscribe(shop) as fast:
            received = []
            for n in range(1, 6):
                await redis.publish(channel(shop), f"1700000000000-{n} {{}}".encode())
                received.append(await asyncio.wait_for(anext(aiter(fast)), 5))
            assert [frame.stream_id[1] for frame in received] == [1, 2, 3, 4, 5]
            assert slow.dropped
            drained = [frame async for frame in slow]  # ends: the client must reconnect
            assert len(drained) == 2
    finally:
        await fanout.stop()


def test_parse_stream_id() -> None:
    assert parse_stream_id("1-2") == (1, 2)
    assert parse_stream_id(b"1700000000000-0") == (1700000000000, 0)
    for bad in (None, "", "abc", "1-", "-1", "1-2-3", "1.5-2"):
        assert parse_stream_id(bad) is None


async def test_disconnected_clients_free_their_subscription(
    stack: Stack, redis: Redis, shop: str
) -> None:
    url = f"{stack.url}/v1/storefront/{shop}/stream"
    async with open_stream(url), open_stream(url):
        assert await subscribers(redis, shop) == 1
    await eventually(lambda: subscribers(redis, shop), 0)


async def test_abruptly_dropped_socket_frees_its_subscription(
    stack: Stack, redis: Redis, shop: str
) -> None:
    parts = urlsplit(stack.url)
    sock = socket.create_connection((parts.hostname, parts.port))
    sock.sendall(
        f"GET /v1/storefront/{shop}/stream HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode()
    )
    sock.settimeout(5)
    received = b""
    while b"event: ready" not in received:
        received += sock.recv(4096)
    assert await subscribers(redis, shop) == 1
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    sock.close()  # RST, no FIN: the client vanished
    await eventually(lambda: subscribers(redis, shop), 0)
