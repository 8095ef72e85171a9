"""One Redis subscription per process, written through to every client, freed when the
last client leaves; slow and stalled clients are dropped without holding up the others
(real Redis; the unit tests give the clients an in-memory ASGI `send`)."""

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx
import pytest
from pydantic import ValidationError
from redis.asyncio import Redis
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import Message

from gateway.app import create_app
from gateway.engagement import DeliveryCounter
from gateway.fanout import GOODBYE, PING, Fanout, retract_frame
from gateway.producer import EnvelopeProducer
from gateway.sse import SSEClient, parse_stream_id
from proofstream.settings import Settings
from streams.redis import CONTROL_RETRACT, CONTROL_UNINSTALLED, channel, live_message
from tests.conftest import Stack
from tests.fixtures import open_stream

pytestmark = pytest.mark.integration


@pytest.fixture
def deliveries() -> DeliveryCounter:
    # Counts only: never started, so it reports nothing (its producer is never used).
    producer = EnvelopeProducer(bootstrap="127.0.0.1:9", partitions=1, retention=timedelta(days=1))
    return DeliveryCounter(producer, every_s=60, clock=lambda: datetime.now(UTC))


@pytest.fixture
async def fanout(redis: Redis, deliveries: DeliveryCounter) -> AsyncIterator[Fanout]:
    fanout = Fanout(redis, deliveries=deliveries, backlog=2, send_timeout=0.3, ping=0.2)
    await fanout.start()
    yield fanout
    await fanout.stop()


class Recorder:
    """An ASGI `send` that keeps what it is given; `gate` cleared = a socket not draining."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.stalls = 0

    async def __call__(self, message: Message) -> None:
        await self.gate.wait()
        self.messages.append(message)

    def on_stall(self) -> None:
        self.stalls += 1

    @property
    def bodies(self) -> list[bytes]:
        return [m["body"] for m in self.messages if m["body"] != PING.message["body"]]

    @property
    def ended(self) -> bool:
        return any(not m["more_body"] for m in self.messages)


async def subscribers(redis: Redis, shop: str) -> int:
    counts = await redis.pubsub_numsub(channel(shop))
    return int(counts[0][1])


async def eventually(check: Callable[[], Awaitable[object]], expected: object) -> None:
    async with asyncio.timeout(5):
        while (value := await check()) != expected:
            await asyncio.sleep(0.02)
    assert value == expected


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(5):
        while not condition():
            await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def connected(
    fanout: Fanout, shop: str, recorder: Recorder, *, held: bool = False
) -> AsyncIterator[SSEClient]:
    """A client of `shop` writing to `recorder`; released at once unless `held`."""
    async with fanout.subscribe(shop, recorder, on_stall=recorder.on_stall) as sse:
        if not held:
            sse.release(after=(0, 0))
        yield sse


def notification(n: int) -> bytes:
    """A live message as the publish script sends it (untraced)."""
    return live_message(f"1700000000000-{n}", f"n{n}", f'{{"n":{n}}}'.encode())


async def test_each_broadcast_is_counted_once_per_notification(
    fanout: Fanout, deliveries: DeliveryCounter, redis: Redis, shop: str
) -> None:
    first, second = Recorder(), Recorder()
    async with connected(fanout, shop, first), connected(fanout, shop, second):
        await eventually(lambda: subscribers(redis, shop), 1)
        await redis.publish(channel(shop), notification(1))
        await redis.publish(channel(shop), notification(2))
        await until(lambda: len(second.bodies) == 2)
    assert dict(deliveries._counts[shop]["delivered"]) == {"n1": 2, "n2": 2}  # noqa: SLF001


async def test_a_retraction_reaches_every_client_as_a_retract_event(
    fanout: Fanout, redis: Redis, shop: str
) -> None:
    first, second = Recorder(), Recorder()
    async with connected(fanout, shop, first), connected(fanout, shop, second):
        await eventually(lambda: subscribers(redis, shop), 1)
        await redis.publish(channel(shop), notification(1))
        await redis.publish(channel(shop), CONTROL_RETRACT + b" n1")
        await until(lambda: len(second.bodies) == 2)
    assert first.bodies[1] == second.bodies[1] == retract_frame("n1")
    assert retract_frame("n1") == b'event: retract\ndata: {"id":"n1"}\n\n'


async def test_many_clients_share_one_subscription_and_one_frame(
    fanout: Fanout, redis: Redis, shop: str
) -> None:
    first, second = Recorder(), Recorder()
    async with (
        connected(fanout, shop, first),
        connected(fanout, shop, second),
    ):
        assert await subscribers(redis, shop) == 1
        await redis.publish(channel(shop), notification(1))
        await until(lambda: len(first.bodies) + len(second.bodies) == 2)
        assert first.bodies == [b'id: 1700000000000-1\nevent: notification\ndata: {"n":1}\n\n']
        # Encoded once: both clients were handed the very same message.
        assert first.messages[0] is second.messages[0]
    await eventually(lambda: subscribers(redis, shop), 0)
    assert fanout.channels == 0


async def test_held_client_gets_only_frames_newer_than_its_replay(
    fanout: Fanout, redis: Redis, shop: str
) -> None:
    witness, held = Recorder(), Recorder()
    async with (
        connected(fanout, shop, witness),
        connected(fanout, shop, held, held=True) as h,
    ):
        for n in (1, 2):
            await redis.publish(channel(shop), notification(n))
        await until(lambda: len(witness.bodies) == 2)
        assert held.messages == []  # held while the caller replays
        h.release(after=(1700000000000, 1))  # the replay ended with frame 1
        assert [b.split(b"\n")[0] for b in held.bodies] == [b"id: 1700000000000-2"]


async def test_slow_client_is_dropped_without_blocking_others(
    fanout: Fanout, redis: Redis, shop: str
) -> None:
    slow, fast = Recorder(), Recorder()
    slow.gate.clear()
    async with (
        connected(fanout, shop, slow) as s,
        connected(fanout, shop, fast) as f,
    ):
        for n in range(1, 6):
            await redis.publish(channel(shop), notification(n))
        await until(lambda: len(fast.bodies) == 5)
        assert s.closed and not f.closed
        # Once its socket drains it gets the write in flight, the two it could hold and
        # the end of the response; the browser reconnects with Last-Event-ID.
        slow.gate.set()
        await until(lambda: slow.ended)
        assert [b.split(b"\n")[0] for b in slow.bodies[:3]] == [
            f"id: 1700000000000-{n}".encode() for n in (1, 2, 3)
        ]
        assert slow.stalls == 0


async def test_stalled_client_is_given_up_after_the_send_timeout(
    fanout: Fanout, redis: Redis, shop: str
) -> None:
    stalled = Recorder()
    stalled.gate.clear()
    async with connected(fanout, shop, stalled) as client:
        await redis.publish(channel(shop), notification(1))
        await until(lambda: stalled.stalls == 1)  # send_timeout is 0.3 s
        assert client.closed


async def test_idle_clients_are_pinged_by_one_timer(fanout: Fanout, shop: str) -> None:
    first, second = Recorder(), Recorder()
    async with (
        connected(fanout, shop, first),
        connected(fanout, shop, second),
    ):
        await asyncio.sleep(0.5)  # ping is 0.2 s
    for recorder in (first, second):
        pings = [m for m in recorder.messages if m is PING.message]
        assert len(pings) >= 2, recorder.messages


async def test_uninstall_says_goodbye_and_ends_the_response(
    fanout: Fanout, redis: Redis, shop: str
) -> None:
    recorder = Recorder()
    async with connected(fanout, shop, recorder):
        await redis.publish(channel(shop), CONTROL_UNINSTALLED)
        await until(lambda: recorder.ended)
        assert recorder.messages[-1] == {
            "type": "http.response.body",
            "body": GOODBYE,
            "more_body": False,
        }


def test_parse_stream_id() -> None:
    assert parse_stream_id("1-2") == (1, 2)
    assert parse_stream_id(b"1700000000000-0") == (1700000000000, 0)
    for bad in (None, "", "abc", "1-", "-1", "1-2-3", "1.5-2"):
        assert parse_stream_id(bad) is None


def test_no_buffering_middleware_wraps_the_stream() -> None:
    # GZip buffers frames; BaseHTTPMiddleware buffers and leaks on endless responses.
    app = create_app(Settings())
    kinds = {middleware.cls for middleware in app.user_middleware}
    assert kinds, "the app has middleware: this check must see it"
    assert not kinds & {GZipMiddleware, BaseHTTPMiddleware}
    assert not any(isinstance(k, type) and issubclass(k, BaseHTTPMiddleware) for k in kinds)


async def test_disconnected_clients_free_their_subscription(
    stack: Stack, redis: Redis, shop: str
) -> None:
    url = f"{stack.url}/v1/storefront/{shop}/stream"
    async with open_stream(url), open_stream(url):
        assert await subscribers(redis, shop) == 1
    await eventually(lambda: subscribers(redis, shop), 0)


async def test_redis_connections_stay_constant_whatever_the_client_count(
    stack: Stack, redis: Redis, shop: str
) -> None:
    # All of the pool is opened at start-up; more clients than connections still get in.
    name = f"proofstream-gateway:{stack.gateway.pid}"
    size = Settings.model_fields["redis_max_connections"].default

    async def held() -> int:
        return sum(1 for client in await redis.client_list() if client["name"] == name)

    assert await held() == size
    url = f"{stack.url}/v1/storefront/{shop}/stream"
    async with contextlib.AsyncExitStack() as streams:
        await asyncio.gather(
            *(streams.enter_async_context(open_stream(url)) for _ in range(size + 10))
        )
        assert await subscribers(redis, shop) == 1
        assert await held() == size
    await eventually(lambda: subscribers(redis, shop), 0)
    assert await held() == size


def raw_stream(stack: Stack, shop: str, *, rcvbuf: int | None = None) -> socket.socket:
    """An SSE request on a bare socket, returned once the subscription is live."""
    parts = urlsplit(stack.url)
    sock = socket.socket()
    if rcvbuf is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.connect((parts.hostname, parts.port))
    sock.sendall(
        f"GET /v1/storefront/{shop}/stream HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode()
    )
    sock.settimeout(5)
    received = b""
    while b"event: ready" not in received:
        received += sock.recv(4096)
    return sock


async def test_abruptly_dropped_socket_frees_its_subscription(
    stack: Stack, redis: Redis, shop: str
) -> None:
    sock = raw_stream(stack, shop)
    assert await subscribers(redis, shop) == 1
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    sock.close()  # RST, no FIN: the client vanished
    await eventually(lambda: subscribers(redis, shop), 0)


async def metric(stack: Stack, name: str) -> float:
    async with httpx.AsyncClient() as client:
        text = (await client.get(f"{stack.url}/metrics")).text
    values = [float(line.split()[1]) for line in text.splitlines() if line.startswith(name + " ")]
    assert len(values) == 1, f"{name} not exported"
    return values[0]


async def test_a_client_that_stops_reading_does_not_hold_up_the_others(
    stack: Stack, redis: Redis, shop: str
) -> None:
    clients = await metric(stack, "proofstream_sse_clients")
    dropped = await metric(stack, "proofstream_sse_dropped_total")
    stalled = raw_stream(stack, shop, rcvbuf=4096)  # connected, then never read again
    try:
        async with open_stream(f"{stack.url}/v1/storefront/{shop}/stream") as reader:
            payload = b'{"pad":"' + b"x" * 200_000 + b'"}'
            for n in range(1, 41):  # 8 MB: far more than the stalled socket's buffers
                await redis.publish(
                    channel(shop), live_message(f"1700000000000-{n}", f"n{n}", payload)
                )
                event = await reader.next("notification", timeout=5)
                assert event.id == f"1700000000000-{n}"
            # The stalled client is given up after the send timeout (2 s in the test
            # stack); the reader is the one client left.
            async with asyncio.timeout(10):
                while await metric(stack, "proofstream_sse_clients") != clients + 1:
                    await asyncio.sleep(0.2)
            assert await metric(stack, "proofstream_sse_dropped_total") == dropped + 1
            assert await subscribers(redis, shop) == 1
    finally:
        stalled.close()


def test_pings_slower_than_proxy_idle_timeouts_are_refused() -> None:
    # nginx and most load balancers close a connection idle for 60 s.
    assert Settings(PROOFSTREAM_SSE_PING_S=55).sse_ping_s == 55
    with pytest.raises(ValidationError, match="PROOFSTREAM_SSE_PING_S"):
        Settings(PROOFSTREAM_SSE_PING_S=61)


async def test_client_ended_while_held_is_ended_on_release(
    fanout: Fanout, redis: Redis, shop: str
) -> None:
    witness, held = Recorder(), Recorder()
    async with (
        connected(fanout, shop, witness),
        connected(fanout, shop, held, held=True) as h,
    ):
        await redis.publish(channel(shop), notification(1))
        await redis.publish(channel(shop), CONTROL_UNINSTALLED)  # during the replay
        await until(lambda: witness.ended)
        h.release(after=(0, 0))
        assert held.bodies == [witness.bodies[0], GOODBYE]
        assert held.ended
