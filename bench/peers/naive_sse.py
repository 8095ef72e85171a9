"""The naive peer: an sse-starlette endpoint that opens ONE Redis pub/sub subscription
(one Redis connection) PER CLIENT, the way a first implementation usually looks.

Same wire format and settings as the gateway's stream (a `ready` event once subscribed,
`notification` frames with the Redis stream id as `id`, pings every 15 s, 10 s send
timeout), so only the fan-out design differs.

    .venv/bin/python -m bench.peers.naive_sse --port 8100 --redis redis://127.0.0.1:6379/0

Started by `python -m bench.fanout --target naive`; stops on SIGTERM.
"""

from __future__ import annotations

import argparse
import resource
from collections.abc import AsyncIterator

import uvicorn
from redis.asyncio import Redis
from sse_starlette import EventSourceResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.fanout import notification_frame
from streams.redis import channel, parse_live_message

READY = b"retry: 2000\nevent: ready\ndata: {}\n\n"


def create_app(
    redis_url: str,
    *,
    max_connections: int,
    ping_s: float = 15.0,
    send_timeout_s: float = 10.0,
) -> Starlette:
    # redis-py's pool allows 100 connections by default, which would cap this design at
    # 100 clients (the 101st gets a 500): `--max-connections` lifts it.
    redis = Redis.from_url(redis_url, max_connections=max_connections)

    async def frames(shop: str) -> AsyncIterator[bytes]:
        pubsub = redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(channel(shop))
            yield READY
            async for message in pubsub.listen():
                if message["type"] != "message":
                    continue
                live = parse_live_message(message["data"])
                if live is not None:
                    yield notification_frame(live.stream_id, live.payload)
        finally:
            await pubsub.aclose()

    async def stream(request: Request) -> Response:
        return EventSourceResponse(
            frames(request.path_params["shop"]), ping=ping_s, send_timeout=send_timeout_s
        )

    return Starlette(routes=[Route("/sse/{shop}", stream)])


def main() -> None:
    parser = argparse.ArgumentParser(
        description="naive SSE peer: one Redis subscription per client"
    )
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", required=True)
    parser.add_argument(
        "--max-connections",
        type=int,
        default=100_000,
        help="Redis pool size, i.e. most clients (redis-py's default: 100)",
    )
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(65536, hard)), hard))
    uvicorn.run(
        create_app(args.redis, max_connections=args.max_connections),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        backlog=4096,
    )


if __name__ == "__main__":
    main()
