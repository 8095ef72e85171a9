"""The servers the fan-out bench measures, and how broadcasts reach each one.

- `ours`: the gateway, on the broker; broadcasts PUBLISHed to Redis `channel(shop)` as the
  worker's publish script does.
- `nchan`: nginx + nchan on the same Redis; broadcasts POSTed to its publisher.
- `naive`: bench/peers/naive_sse.py, one Redis subscription per client.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import redis.asyncio as aioredis

from bench._procs import children
from bench._stack import bench_stack
from bench.fanout import now
from proofstream.services import ManagedProcess, free_port, wait_for_port
from streams.redis import channel, live_message

__all__ = ["TARGETS", "NchanUnavailable", "Server", "Setup", "payload"]

PEERS_DIR = Path(__file__).parent.parent / "peers"

# The rest of a realistic public notification (~330 bytes with seq and t).
PAD = {
    "id": "n_4f1c2b9e7a3d5c6b8e0f1a2b3c4d5e6f",
    "kind": "order",
    "text": "Emma in Toronto just bought Blue Hoodie",
    "fields": {
        "first_name": "Emma",
        "city": "Toronto",
        "province": "Ontario",
        "country_code": "CA",
        "product": "Blue Hoodie",
        "variant": "M / Navy",
        "quantity": "1",
        "time_ago": "just now",
    },
    "product_image": None,
    "product_url": None,
    "occurred_at": "2026-11-25T21:00:00Z",
}


@dataclass
class Server:
    """A running target: where its streams are, how to publish to them, what to measure."""

    name: str
    host: str
    port: int
    pid: int  # the process measured (RSS, CPU, Redis sockets)
    ready: str  # "event": wait for `event: ready`; "headers": the 200 head
    path: Callable[[str], str]
    publish: Callable[[str, int], Awaitable[None]]
    redis_port: int
    metrics_url: str | None = None
    status_url: str | None = None  # nchan_stub_status
    other_pids: dict[str, int] = field(default_factory=dict)

    def pids(self) -> dict[str, int]:
        return {"server": self.pid, **self.other_pids}

    def target(self, shops: list[str]) -> dict[str, Any]:
        """What a client process needs to reach this server's streams of `shops`."""
        return {
            "host": self.host,
            "port": self.port,
            "paths": [self.path(s) for s in shops],
            "ready": self.ready,
        }


def payload(seq: int) -> bytes:
    """Broadcast `seq`, stamped with its publish time `t`, padded to a real notification."""
    return orjson.dumps({"seq": seq, "t": now(), **PAD})


def redis_publisher(client: aioredis.Redis) -> Callable[[str, int], Awaitable[None]]:
    async def publish(shop: str, seq: int) -> None:
        ms = int(time.time() * 1000)
        await client.publish(channel(shop), live_message(f"{ms}-{seq}", f"n{seq}", payload(seq)))

    return publish


def nchan_publisher(http: httpx.AsyncClient, base: str) -> Callable[[str, int], Awaitable[None]]:
    async def publish(shop: str, seq: int) -> None:
        response = await http.post(
            f"{base}/pub/{shop}", content=payload(seq), headers={"Content-Type": "text/plain"}
        )
        if response.status_code >= 300:
            raise RuntimeError(f"nchan publish answered {response.status_code}")

    return publish


@dataclass(frozen=True)
class Setup:
    """What every target starts with: the bench's private Redis, the logs folder, and the
    flags a target reads."""

    redis_url: str
    redis_port: int
    logs: Path
    keep_logs: bool
    naive_pool: int  # the naive peer's Redis pool: the most clients it can hold


@contextlib.asynccontextmanager
async def ours(setup: Setup) -> AsyncIterator[Server]:
    """The gateway; broadcasts PUBLISHed to Redis as the worker's publish script does."""
    # bench_stack starts the broker and the gateway (with our RLIMIT_NOFILE, inherited).
    with bench_stack(worker=False, keep_logs=setup.keep_logs, redis_url=setup.redis_url) as stack:
        client = aioredis.Redis.from_url(setup.redis_url)
        try:
            yield Server(
                name="ours",
                host=stack.host,
                port=stack.port,
                pid=stack.pids()["gateway"],
                ready="event",
                path=lambda shop: f"/v1/storefront/{shop}/stream",
                publish=redis_publisher(client),
                redis_port=setup.redis_port,
                metrics_url=f"{stack.url}/metrics",
                other_pids={"broker": stack.pids()["broker"]},
            )
        finally:
            await client.aclose()


@contextlib.asynccontextmanager
async def naive(setup: Setup) -> AsyncIterator[Server]:
    """bench/peers/naive_sse.py; broadcasts PUBLISHed to Redis."""
    port = free_port()
    process = ManagedProcess(
        "naive",
        [
            sys.executable,
            "-m",
            "bench.peers.naive_sse",
            "--port",
            str(port),
            "--redis",
            setup.redis_url,
            "--max-connections",
            str(setup.naive_pool),
        ],
        log_path=setup.logs / "naive.log",
    ).start()
    client = aioredis.Redis.from_url(setup.redis_url)
    try:
        wait_for_port("127.0.0.1", port, timeout_s=30, process=process)
        assert process.pid is not None
        yield Server(
            name="naive",
            host="127.0.0.1",
            port=port,
            pid=process.pid,
            ready="event",
            path=lambda shop: f"/sse/{shop}",
            publish=redis_publisher(client),
            redis_port=setup.redis_port,
        )
    finally:
        await client.aclose()
        process.stop()


class NchanUnavailable(RuntimeError):
    """nginx or its nchan module is missing, or nginx did not start."""


@contextlib.asynccontextmanager
async def nchan(setup: Setup) -> AsyncIterator[Server]:
    """nginx + nchan, one worker process (the one measured); broadcasts POSTed to it."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    module = Path("/usr/lib/nginx/modules/ngx_nchan_module.so")
    if not Path(binary).exists() or not module.exists():
        raise NchanUnavailable(
            "nginx or the nchan module is missing: apt-get install nginx libnginx-mod-nchan"
        )
    port = free_port()
    conf_dir = setup.logs / "nchan"
    conf_dir.mkdir(parents=True, exist_ok=True)
    text = (PEERS_DIR / "nchan.conf").read_text()
    text = text.replace("{{DIR}}", os.fspath(conf_dir)).replace("{{PORT}}", str(port))
    text = text.replace("{{REDIS_URL}}", setup.redis_url.rsplit("/", 1)[0])
    (conf_dir / "nginx.conf").write_text(text)
    process = ManagedProcess(
        "nginx",
        [
            binary,
            "-p",
            os.fspath(conf_dir),
            "-c",
            os.fspath(conf_dir / "nginx.conf"),
            "-e",
            os.fspath(conf_dir / "error.log"),
        ],
        log_path=setup.logs / "nginx.out",
    ).start()
    http = httpx.AsyncClient(timeout=10)
    try:
        try:
            wait_for_port("127.0.0.1", port, timeout_s=15, process=process)
        except Exception as exc:
            err = (
                (conf_dir / "error.log").read_text()[-600:]
                if (conf_dir / "error.log").exists()
                else ""
            )
            raise NchanUnavailable(f"nginx did not start: {exc}; {err}") from exc
        assert process.pid is not None
        workers: list[int] = []
        for _ in range(50):
            workers = children(process.pid)
            if workers:
                break
            await asyncio.sleep(0.1)
        if not workers:
            raise NchanUnavailable("nginx started no worker process")
        base = f"http://127.0.0.1:{port}"
        yield Server(
            name="nchan",
            host="127.0.0.1",
            port=port,
            pid=workers[0],
            ready="headers",
            path=lambda shop: f"/sub/{shop}",
            publish=nchan_publisher(http, base),
            redis_port=setup.redis_port,
            status_url=f"{base}/nchan_status",
            other_pids={"nginx_master": process.pid},
        )
    finally:
        await http.aclose()
        process.stop()


TARGETS: dict[str, Callable[[Setup], AbstractAsyncContextManager[Server]]] = {
    "ours": ours,
    "nchan": nchan,
    "naive": naive,
}
