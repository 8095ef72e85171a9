"""SSE fan-out of ONE server process: clients held, memory per idle connection, broadcast
latency, delivered messages/s, Redis connections, and connect/disconnect churn.

Targets (`--target`, comma-separated, run in order):

- `ours`: the gateway (`python -m proofstream gateway`, started by bench/_stack.py with the
  broker; no worker). Broadcasts are PUBLISHed straight to Redis `channel(shop)` as
  `<ms>-<seq> <json>`, as the worker's publish script does.
- `nchan`: nginx + nchan (Debian `nginx`, `libnginx-mod-nchan`), one worker process,
  Redis-backed (`nchan_use_redis`), EventSource subscribers at `/sub/{shop}`, broadcasts
  POSTed to nchan's publisher at `/pub/{shop}`. Config: bench/peers/nchan.conf.
- `naive`: bench/peers/naive_sse.py, sse-starlette with one Redis subscription per client.

All targets share one private redis-server started by the bench. Clients run in
`--client-procs` separate processes (bench/_sse_clients.py: raw-socket HTTP/1.1 on uvloop,
thousands of connections each). Every broadcast's JSON carries its publish time
(`time.perf_counter()`, the machine-wide monotonic clock), so clients measure latency.

For each level of `--levels` (default 1,000, 5,000, 10,000 clients on one shop, added
on top of the previous level): clients held (got `event: ready`, or the 200 head for
nchan, which sends no ready event), server RSS per idle connection
((VmRSS with N idle - VmRSS with 0) / N), `--broadcasts` broadcasts spaced `--interval` s
(latency = publish -> LAST client received, p50/p99 over the broadcasts), then a burst of
`--burst` back-to-back broadcasts (delivered/s = deliveries / time from the first publish
to the last arrival), and the server's own Redis connections (its sockets to the Redis
port, from /proc).

After the levels, a connect storm (`--storm` clients, `--storm-concurrency` connects in
flight per client process, nothing retried) counts connections refused, e.g. 500s.

Churn (`ours` only, on a fresh stack): `--cycles` connect -> `event: ready` -> disconnect
cycles over `--churn-shops` shops, every third closed abruptly (SO_LINGER 0: RST, no
FIN), bounded by `--churn-seconds` and the overall `--budget`, in `--churn-segments`
segments with the gateway's RSS after each. Then: RSS growth, `PUBSUB NUMSUB` of every
churn shop and `PUBSUB CHANNELS ps:*` back to 0, `proofstream_sse_clients` back to 0, the
gateway's Redis connections, and 10 new clients still get a broadcast.

    .venv/bin/python -m bench.fanout                 # ours: levels, storm, churn (time-bound)
    .venv/bin/python -m bench.fanout --levels '' --storm 0 --churn-seconds 150   # 100k churn
    .venv/bin/python -m bench.fanout --target ours,nchan,naive --cycles 0 --storm 0

Prints one JSON object, then a one-line summary as the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import redis.asyncio as aioredis

from bench._procs import (
    CpuSet,
    children,
    max_open_files,
    metric_value,
    private_redis,
    raise_nofile,
    tcp_connections,
    tcp_local_ports,
    vm_rss_kb,
    wait_for_quiet,
)
from bench._stack import bench_stack, env_overrides, machine, percentiles, shares
from proofstream.services import ManagedProcess, free_port, wait_for_port
from streams.redis import channel

TARGET_CLIENTS = 10_000
TARGET_KB_PER_CONN = 30.0
TARGET_P99_MS = 250.0
TARGET_DELIVERED_PER_S = 25_000.0
# Churn: RSS may grow while allocator pools and the Redis connection pool warm up; over
# the second half of the cycles, no growth beyond allocator noise.
CHURN_GROWTH_KB = 1024
now = time.perf_counter
PEERS_DIR = Path(__file__).parent / "peers"
KEEP_LOGS = "--keep-logs" in sys.argv
OPTIONS: dict[str, Any] = {"naive_pool": 100_000}

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


def log(text: str) -> None:
    print(f"fanout: {text}", file=sys.stderr, flush=True)


# -- servers ----------------------------------------------------------------------------------


@dataclass
class Server:
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
    return orjson.dumps({"seq": seq, "t": now(), **PAD})


def redis_publisher(client: aioredis.Redis) -> Callable[[str, int], Awaitable[None]]:
    async def publish(shop: str, seq: int) -> None:
        ms = int(time.time() * 1000)
        # The publish script's live message: stream id, notification id, public JSON.
        await client.publish(channel(shop), f"{ms}-{seq} n{seq} ".encode() + payload(seq))

    return publish


def nchan_publisher(http: httpx.AsyncClient, base: str) -> Callable[[str, int], Awaitable[None]]:
    async def publish(shop: str, seq: int) -> None:
        response = await http.post(
            f"{base}/pub/{shop}", content=payload(seq), headers={"Content-Type": "text/plain"}
        )
        if response.status_code >= 300:
            raise RuntimeError(f"nchan publish answered {response.status_code}")

    return publish


@contextlib.asynccontextmanager
async def ours(redis_url: str, redis_port: int, logs: Path) -> AsyncIterator[Server]:
    # bench_stack starts the broker and the gateway (with our RLIMIT_NOFILE, inherited).
    with bench_stack(worker=False, keep_logs=KEEP_LOGS, redis_url=redis_url) as stack:
        client = aioredis.Redis.from_url(redis_url)
        try:
            yield Server(
                name="ours",
                host=stack.host,
                port=stack.port,
                pid=stack.pids()["gateway"],
                ready="event",
                path=lambda shop: f"/v1/storefront/{shop}/stream",
                publish=redis_publisher(client),
                redis_port=redis_port,
                metrics_url=f"{stack.url}/metrics",
                other_pids={"broker": stack.pids()["broker"]},
            )
        finally:
            await client.aclose()


@contextlib.asynccontextmanager
async def naive(redis_url: str, redis_port: int, logs: Path) -> AsyncIterator[Server]:
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
            redis_url,
            "--max-connections",
            str(OPTIONS["naive_pool"]),
        ],
        log_path=logs / "naive.log",
    ).start()
    client = aioredis.Redis.from_url(redis_url)
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
            redis_port=redis_port,
        )
    finally:
        await client.aclose()
        process.stop()


class NchanUnavailable(RuntimeError):
    pass


class _NoLevels(Exception):
    pass


@contextlib.asynccontextmanager
async def nchan(redis_url: str, redis_port: int, logs: Path) -> AsyncIterator[Server]:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    module = Path("/usr/lib/nginx/modules/ngx_nchan_module.so")
    if not Path(binary).exists() or not module.exists():
        raise NchanUnavailable(
            "nginx or the nchan module is missing: apt-get install nginx libnginx-mod-nchan"
        )
    port = free_port()
    conf_dir = logs / "nchan"
    conf_dir.mkdir(parents=True, exist_ok=True)
    text = (PEERS_DIR / "nchan.conf").read_text()
    text = text.replace("{{DIR}}", os.fspath(conf_dir)).replace("{{PORT}}", str(port))
    text = text.replace("{{REDIS_URL}}", redis_url.rsplit("/", 1)[0])
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
        log_path=logs / "nginx.out",
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
            redis_port=redis_port,
            status_url=f"{base}/nchan_status",
            other_pids={"nginx_master": process.pid},
        )
    finally:
        await http.aclose()
        process.stop()


SERVERS = {"ours": ours, "nchan": nchan, "naive": naive}


# -- client processes ------------------------------------------------------------------------


class Clients:
    """`count` client processes (bench/_sse_clients.py), JSON lines over pipes."""

    def __init__(self, count: int, logs: Path) -> None:
        self.count = count
        self.logs = logs
        self.procs: list[asyncio.subprocess.Process] = []
        self.pids: list[int] = []
        self.held = 0

    async def start(self) -> None:
        for i in range(self.count):
            err = (self.logs / f"client-{i}.log").open("wb")
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bench._sse_clients",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=err,
                limit=1 << 26,
            )
            err.close()
            self.procs.append(proc)
            assert proc.stdout is not None
            hello = orjson.loads(await proc.stdout.readline())
            self.pids.append(int(hello["pid"]))

    async def call(self, i: int, cmd: dict[str, Any]) -> dict[str, Any]:
        proc = self.procs[i]
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(orjson.dumps(cmd) + b"\n")
        await proc.stdin.drain()
        line = await proc.stdout.readline()
        if not line:
            raise RuntimeError(f"client process {i} died; see {self.logs}/client-{i}.log")
        reply: dict[str, Any] = orjson.loads(line)
        if "error" in reply:
            raise RuntimeError(f"client process {i}: {reply['error']}")
        return reply

    async def each(self, cmds: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return list(await asyncio.gather(*(self.call(i, c) for i, c in enumerate(cmds))))

    async def all(self, cmd: dict[str, Any]) -> list[dict[str, Any]]:
        return await self.each([cmd] * self.count)

    def split(self, n: int) -> list[int]:
        return shares(n, self.count)

    async def open(
        self, server: Server, shops: list[str], n: int, concurrency: int, *, retry: bool = True
    ) -> dict[str, Any]:
        """Open `n` more connections; what failed is retried once at low concurrency (as a
        page reload would), so a level can still be measured; first-pass failures are kept."""
        base = {
            "op": "open",
            **server.target(shops),
            "concurrency": concurrency,
            "timeout_s": 30,
        }
        started = now()
        replies = await self.each([{**base, "n": k} for k in self.split(n)])
        errors: Counter[str] = Counter()
        for r in replies:
            errors.update(r["errors"])
        failed = sum(r["failed"] for r in replies)
        retried = 0
        if retry and failed:
            retry_replies = await self.each(
                [{**base, "n": r["failed"], "concurrency": 8} for r in replies]
            )
            retried = failed - sum(r["failed"] for r in retry_replies)
            replies = retry_replies
        self.held = sum(r["held"] for r in replies)
        return {
            "requested": n,
            "concurrency": concurrency * self.count,
            "first_pass_failed": failed,
            "first_pass_errors": dict(errors),
            "retried_ok": retried,
            "held_now": self.held,
            "elapsed_s": round(now() - started, 2),
        }

    async def close(self, mode: str = "fin") -> int:
        replies = await self.all({"op": "close", "mode": mode})
        self.held = 0
        return sum(r["closed"] for r in replies)

    async def counts(self) -> tuple[int, int, int]:
        """(deliveries since reset, held, lost) over all processes."""
        replies = await self.all({"op": "count"})
        return (
            sum(r["total"] for r in replies),
            sum(r["held"] for r in replies),
            sum(r["lost"] for r in replies),
        )

    async def stats(self) -> dict[str, Any]:
        replies = await self.all({"op": "stats"})
        per_seq: dict[int, list[float]] = {}
        hist: Counter[int] = Counter()
        for r in replies:
            for s, (c, lat, at) in r["per_seq"].items():
                cur = per_seq.setdefault(int(s), [0, 0.0, 0.0])
                cur[0] += c
                cur[1] = max(cur[1], lat)
                cur[2] = max(cur[2], at)
            hist.update({int(k): v for k, v in r["hist"].items()})
        return {
            "per_seq": per_seq,
            "hist": hist,
            "total": sum(r["total"] for r in replies),
            "bad": sum(r["bad"] for r in replies),
            "held": sum(r["held"] for r in replies),
            "lost": sum(r["lost"] for r in replies),
        }

    async def stop(self) -> None:
        for proc in self.procs:
            if proc.returncode is None and proc.stdin is not None:
                with contextlib.suppress(Exception):
                    proc.stdin.write(b'{"op":"quit"}\n')
                    await proc.stdin.drain()
        for proc in self.procs:
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()


def hist_percentiles(hist: Counter[int], points: tuple[int, ...] = (50, 99)) -> dict[str, Any]:
    """Percentiles (ms) of per-delivery latency from 0.1 ms bins."""
    total = sum(hist.values())
    if not total:
        return {f"p{p}": None for p in points}
    out: dict[str, Any] = {}
    ordered = sorted(hist.items())
    for p in points:
        rank, seen = max(1, -(-p * total // 100)), 0
        for b, c in ordered:
            seen += c
            if seen >= rank:
                out[f"p{p}"] = round(b / 10, 1)
                break
    out["max"] = round(ordered[-1][0] / 10, 1)
    return out


# -- measurements ----------------------------------------------------------------------------


async def scrape(url: str | None) -> str:
    if url is None:
        return ""
    async with httpx.AsyncClient(timeout=5) as http:
        try:
            return (await http.get(url)).text
        except httpx.HTTPError:
            return ""


async def server_clients(server: Server) -> float | None:
    """The server's own count of connected subscribers."""
    if server.metrics_url:
        return metric_value(await scrape(server.metrics_url), "proofstream_sse_clients")
    if server.status_url:
        for line in (await scrape(server.status_url)).splitlines():
            if line.startswith("subscribers:"):
                return float(line.split(":")[1])
    return None


async def redis_view(r: aioredis.Redis, server: Server, shops: list[str]) -> dict[str, Any]:
    """The server's own Redis connections (its sockets to the Redis port, from /proc), how
    many of them are in pub/sub mode (CLIENT LIST, matched by port), and the shops' NUMSUB."""
    ports = set(tcp_local_ports(server.pid, server.redis_port))
    pubsub = 0
    for entry in await r.client_list():
        port = int(str(entry.get("addr", ":0")).rsplit(":", 1)[1])
        if port in ports and (int(entry.get("sub", 0)) > 0 or "P" in str(entry.get("flags"))):
            pubsub += 1
    info = await r.info("clients")
    numsub = await r.pubsub_numsub(*[channel(s) for s in shops]) if shops else []
    return {
        "server_redis_connections": len(ports),
        "server_redis_pubsub_connections": pubsub,
        "redis_connected_clients_total": info.get("connected_clients"),
        "numsub": sum(int(n) for _, n in numsub),
    }


async def wait_deliveries(clients: Clients, expected: int, *, stall_s: float, cap_s: float) -> int:
    """Poll until `expected` deliveries arrived, or nothing new came for `stall_s`."""
    started = last_change = now()
    last = -1
    while now() - started < cap_s:
        total, _, _ = await clients.counts()
        if total >= expected:
            return total
        if total != last:
            last, last_change = total, now()
        elif now() - last_change > stall_s:
            return total
        await asyncio.sleep(0.1)
    return last


@dataclass
class Seq:
    value: int = 0

    def next(self) -> int:
        self.value += 1
        return self.value


def last_client_ms(stats: dict[str, Any], seqs: list[int], held: int) -> list[float]:
    """Publish → last client, in ms, of each broadcast that reached all `held` clients."""
    per_seq = stats["per_seq"]
    return [per_seq[s][1] * 1000 for s in seqs if s in per_seq and per_seq[s][0] >= held]


async def measure_level(
    server: Server,
    clients: Clients,
    r: aioredis.Redis,
    shop: str,
    n: int,
    rss0: int,
    seq: Seq,
    args: argparse.Namespace,
) -> dict[str, Any]:
    log(f"{server.name}: opening to {n} clients")
    opened = await clients.open(server, [shop], n - clients.held, args.open_concurrency)
    await asyncio.sleep(args.settle)
    _, held, lost = await clients.counts()
    rss = vm_rss_kb(server.pid) or 0
    view = await redis_view(r, server, [shop])
    counted = await server_clients(server)
    pids = {**server.pids(), **{f"client{i}": p for i, p in enumerate(clients.pids)}}
    out: dict[str, Any] = {
        "clients_target": n,
        "open": opened,
        "clients_held": held,
        "lost_while_idle": lost,
        "server_counts_clients": counted,
        "server_rss_kb": rss,
        "server_rss_kb_with_0": rss0,
        "kb_per_idle_connection": round((rss - rss0) / held, 2) if held else None,
        "redis_server_rss_kb": vm_rss_kb(server.other_pids["redis"]),
        **view,
    }

    # Broadcasts spaced `interval` s: latency = publish -> last client received.
    await clients.all({"op": "reset"})
    cpu = CpuSet(pids).start()
    seqs: list[int] = []
    t0 = now()
    for i in range(args.broadcasts):
        await asyncio.sleep(max(0.0, t0 + i * args.interval - now()))
        s = seq.next()
        await server.publish(shop, s)
        seqs.append(s)
    got = await wait_deliveries(clients, held * len(seqs), stall_s=3, cap_s=30)
    cpu_b = cpu.stop()
    st = await clients.stats()
    last_client = last_client_ms(st, seqs, held)
    out["broadcasts"] = {
        "count": len(seqs),
        "interval_s": args.interval,
        "deliveries": got,
        "expected": held * len(seqs),
        "complete_broadcasts": len(last_client),
        "publish_to_last_client_ms": percentiles(last_client, (50, 90, 99)),
        "per_delivery_ms": hist_percentiles(st["hist"]),
        "bad_frames": st["bad"],
        "cpu": cpu_b,
    }

    # Isolated broadcasts: each published only once the previous one reached every client,
    # so there is no queueing behind earlier ones: the cost of one broadcast on its own.
    await clients.all({"op": "reset"})
    cpu = CpuSet(pids).start()
    seqs = []
    for _ in range(args.isolated):
        s = seq.next()
        await server.publish(shop, s)
        seqs.append(s)
        await wait_deliveries(clients, held * len(seqs), stall_s=3, cap_s=15)
        await asyncio.sleep(0.2)
    cpu_i = cpu.stop()
    st = await clients.stats()
    alone = last_client_ms(st, seqs, held)
    out["isolated_broadcasts"] = {
        "count": len(seqs),
        "complete_broadcasts": len(alone),
        "publish_to_last_client_ms": percentiles(alone, (50, 90, 99)),
        "per_delivery_ms": hist_percentiles(st["hist"]),
        "cpu": cpu_i,
    }

    # Burst: back-to-back broadcasts; deliveries / (last arrival - first publish).
    await clients.all({"op": "reset"})
    cpu = CpuSet(pids).start()
    first = now()
    for _ in range(args.burst):
        await server.publish(shop, seq.next())
    published = now() - first
    got = await wait_deliveries(clients, held * args.burst, stall_s=5, cap_s=90)
    cpu_burst = cpu.stop()
    st = await clients.stats()
    last_at = max((v[2] for v in st["per_seq"].values()), default=first)
    span = last_at - first
    out["burst"] = {
        "broadcasts": args.burst,
        "publish_s": round(published, 4),
        "deliveries": st["total"],
        "expected": held * args.burst,
        "first_publish_to_last_arrival_s": round(span, 3),
        "delivered_per_s": round(st["total"] / span, 1) if span > 0 else None,
        "per_delivery_ms": hist_percentiles(st["hist"]),
        "clients_lost": st["lost"],
        "cpu": cpu_burst,
    }
    out["server_rss_kb_after_burst"] = vm_rss_kb(server.pid)
    if server.metrics_url:
        text = await scrape(server.metrics_url)
        out["server_dropped_slow_clients_total"] = metric_value(
            text, "proofstream_sse_dropped_total"
        )
    p99 = out["broadcasts"]["publish_to_last_client_ms"]["p99"]
    log(
        f"{server.name} @ {n}: held {held}, {out['kb_per_idle_connection']} KB/conn, "
        f"p99 {p99} ms, burst {out['burst']['delivered_per_s']}/s, "
        f"redis conns {view['server_redis_connections']}"
    )
    return out


async def warm_up(server: Server, clients: Clients, shop: str, seq: Seq) -> None:
    """Import and JIT-free code paths once (so they do not count as per-connection memory)."""
    await clients.open(server, [shop], 20, 20)
    await asyncio.sleep(0.3)
    for _ in range(3):
        await server.publish(shop, seq.next())
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)
    await clients.close()
    await clients.all({"op": "reset"})


async def settle_to_zero(server: Server, timeout: float = 15.0) -> float | None:
    deadline = now() + timeout
    value = await server_clients(server)
    while value not in (None, 0.0) and now() < deadline:
        await asyncio.sleep(0.25)
        value = await server_clients(server)
    return value


async def run_levels(
    server: Server, clients: Clients, r: aioredis.Redis, args: argparse.Namespace
) -> dict[str, Any]:
    shop = f"bench-{uuid.uuid4().hex[:8]}.myshopify.com"
    seq = Seq()
    await warm_up(server, clients, shop, seq)
    await asyncio.sleep(1.0)
    rss0 = vm_rss_kb(server.pid) or 0
    redis0 = vm_rss_kb(server.other_pids["redis"])
    view0 = await redis_view(r, server, [shop])
    levels = []
    for n in args.levels:
        if now() > args.deadline - 25:
            levels.append({"clients_target": n, "skipped": "time budget"})
            continue
        levels.append(await measure_level(server, clients, r, shop, n, rss0, seq, args))
    closed = await clients.close()
    after_gauge = await settle_to_zero(server)
    await asyncio.sleep(0.5)
    after = {
        "closed": closed,
        "server_counts_clients": after_gauge,
        "server_rss_kb": vm_rss_kb(server.pid),
        **(await redis_view(r, server, [shop])),
    }
    storm: dict[str, Any] = {"skipped": "time budget"}
    if args.storm and now() < args.deadline - 20:
        # A reconnect storm (e.g. every widget reconnecting after a deploy): many connects
        # in flight at once, nothing retried. Browsers do not retry an EventSource that got
        # a non-200 answer.
        storm = await clients.open(server, [shop], args.storm, args.storm_concurrency, retry=False)
        storm["server_redis_after"] = await redis_view(r, server, [shop])
        await clients.close()
        await settle_to_zero(server)
    return {
        "shop": shop,
        "server_pid_max_open_files": max_open_files(server.pid),
        "server_rss_kb_with_0": rss0,
        "redis_server_rss_kb_with_0": redis0,
        "with_0_clients": view0,
        "levels": levels,
        "after_all_left": after,
        "connect_storm": storm,
    }


async def run_churn(
    server: Server, clients: Clients, r: aioredis.Redis, args: argparse.Namespace
) -> dict[str, Any]:
    shops = [
        f"bench-churn{i}-{uuid.uuid4().hex[:6]}.myshopify.com" for i in range(args.churn_shops)
    ]
    seq = Seq()
    await warm_up(server, clients, shops[0], seq)
    await asyncio.sleep(1.0)
    rss0 = vm_rss_kb(server.pid) or 0
    view0 = await redis_view(r, server, shops)
    budget = min(args.churn_seconds, args.deadline - now() - 20)
    pids = {**server.pids(), **{f"client{i}": p for i, p in enumerate(clients.pids)}}
    segments = []
    rss = [rss0]
    parts = max(1, args.churn_segments)
    for part, cycles in enumerate(shares(args.cycles, parts)):
        base = {
            "op": "churn",
            **server.target(shops),
            "concurrency": args.churn_concurrency,
            "rst_every": 3,
            "deadline_s": max(1.0, budget / parts),
            "timeout_s": 10,
            "src_ips": [f"127.0.0.{i}" for i in range(1, 9)],
        }
        log(
            f"{server.name}: churn segment {part + 1}/{parts}: {cycles} cycles, "
            f"<= {base['deadline_s']:.0f} s"
        )
        cpu = CpuSet(pids).start()
        replies = await clients.each([{**base, "cycles": k} for k in clients.split(cycles)])
        usage = cpu.stop()
        gauge = await settle_to_zero(server)
        await asyncio.sleep(1.0)
        rss.append(vm_rss_kb(server.pid) or 0)
        errors: Counter[str] = Counter()
        for rep in replies:
            errors.update(rep["errors"])
        done = sum(rep["cycles_done"] for rep in replies)
        segments.append(
            {
                "cycles_requested": cycles,
                "cycles_done": done,
                "closed_with_rst": sum(rep["closed_with_rst"] for rep in replies),
                "closed_with_fin": sum(rep["closed_with_fin"] for rep in replies),
                "failed": sum(rep["failed"] for rep in replies),
                "errors": dict(errors),
                "elapsed_s": max(rep["elapsed_s"] for rep in replies),
                "cycles_per_s": round(done / max(rep["elapsed_s"] for rep in replies), 1),
                "hit_time_bound": any(rep["hit_deadline"] for rep in replies),
                "server_counts_clients_after": gauge,
                "server_rss_kb_after": rss[-1],
                "server_redis_connections_after": tcp_connections(server.pid, server.redis_port),
                "cpu": usage,
            }
        )
    view = await redis_view(r, server, shops)
    channels = await r.pubsub_channels("ps:*")
    # Still works afterwards: 10 clients on a churned shop get one broadcast.
    await clients.open(server, [shops[0]], 10, 10)
    await asyncio.sleep(0.5)
    await clients.all({"op": "reset"})
    await server.publish(shops[0], seq.next())
    works = await wait_deliveries(clients, 10, stall_s=2, cap_s=5) == 10
    await clients.close()
    await settle_to_zero(server)
    done = sum(h["cycles_done"] for h in segments)
    return {
        "shops": len(shops),
        "concurrency": args.churn_concurrency * clients.count,
        "cycles_requested": args.cycles,
        "cycles_done": done,
        "abrupt_rst_share": round(sum(h["closed_with_rst"] for h in segments) / max(1, done), 3),
        "hit_time_bound": any(h["hit_time_bound"] for h in segments),
        "segments": segments,
        "server_rss_kb_before": rss0,
        "server_rss_kb_after": rss[-1],
        "rss_growth_kb": rss[-1] - rss0,
        "rss_kb_after_each_segment": rss[1:],
        "rss_growth_kb_per_segment": [b - a for a, b in zip(rss, rss[1:], strict=False)],
        "rss_growth_after_first_segment_kb": rss[-1] - rss[1],
        "rss_growth_second_half_kb": rss[-1] - rss[(len(rss) - 1) // 2],
        "before": view0,
        "after": view,
        "pubsub_channels_ps_after": len(channels),
        "server_counts_clients_after": segments[-1]["server_counts_clients_after"],
        "fanout_still_works": works,
    }


# -- main ------------------------------------------------------------------------------------


async def bench(
    args: argparse.Namespace, logs: Path, redis_url: str, redis_pid: int
) -> dict[str, Any]:
    clients = Clients(args.client_procs, logs)
    await clients.start()
    r = aioredis.Redis.from_url(redis_url)
    redis_port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
    results: dict[str, Any] = {}
    try:
        for target in args.target:
            if now() > args.deadline - 30:
                results[target] = {"skipped": "time budget"}
                continue
            started = now()
            try:
                if target == "ours" and not args.levels:
                    raise _NoLevels
                async with SERVERS[target](redis_url, redis_port, logs) as server:
                    server.other_pids["redis"] = redis_pid
                    results[target] = await run_levels(server, clients, r, args)
            except _NoLevels:
                results[target] = {"levels": [], "skipped": "no --levels"}
            except NchanUnavailable as exc:
                log(f"nchan unavailable: {exc}")
                results[target] = {"unavailable": str(exc)}
                continue
            results[target]["elapsed_s"] = round(now() - started, 1)
            if target == "ours" and args.cycles > 0:
                if now() > args.deadline - 35:
                    results["ours_churn"] = {"skipped": "time budget"}
                    continue
                started = now()
                async with ours(redis_url, redis_port, logs) as server:
                    server.other_pids["redis"] = redis_pid
                    results["ours_churn"] = await run_churn(server, clients, r, args)
                results["ours_churn"]["elapsed_s"] = round(now() - started, 1)
    finally:
        await r.aclose()
        await clients.stop()
    return results


def _level(results: dict[str, Any], target: str, n: int) -> dict[str, Any] | None:
    for lv in results.get(target, {}).get("levels", []):
        if lv.get("clients_target") == n and "skipped" not in lv:
            return dict(lv)
    return None


def ratios(results: dict[str, Any], levels: list[int]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for peer in ("nchan", "naive"):
        for n in levels:
            a, b = _level(results, "ours", n), _level(results, peer, n)
            if not a or not b:
                continue

            def ratio(x: float | None, y: float | None) -> float | None:
                return round(x / y, 2) if x is not None and y else None

            out[f"ours/{peer}@{n}"] = {
                "clients_held": ratio(a["clients_held"], b["clients_held"]),
                "kb_per_idle_connection": ratio(
                    a["kb_per_idle_connection"], b["kb_per_idle_connection"]
                ),
                "broadcast_p99": ratio(
                    a["broadcasts"]["publish_to_last_client_ms"]["p99"],
                    b["broadcasts"]["publish_to_last_client_ms"]["p99"],
                ),
                "isolated_broadcast_p50": ratio(
                    a.get("isolated_broadcasts", {})
                    .get("publish_to_last_client_ms", {})
                    .get("p50"),
                    b.get("isolated_broadcasts", {})
                    .get("publish_to_last_client_ms", {})
                    .get("p50"),
                ),
                "delivered_per_s": ratio(
                    a["burst"]["delivered_per_s"], b["burst"]["delivered_per_s"]
                ),
            }
    return out


def targets_report(results: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    res = results.get("ours", {})
    levels = [lv for lv in res.get("levels", []) if "skipped" not in lv]
    churn = results.get("ours_churn", {})
    out: dict[str, Any] = {}
    if "segments" in churn:
        out["churn_rss_growth_second_half_kb_max"] = CHURN_GROWTH_KB
        out["churn_no_leak_met"] = bool(
            churn["after"]["numsub"] == 0
            and churn["pubsub_channels_ps_after"] == 0
            and churn["server_counts_clients_after"] == 0
            and churn["fanout_still_works"]
            and churn["rss_growth_second_half_kb"] <= CHURN_GROWTH_KB
        )
    if not levels:
        return out
    top = max(levels, key=lambda lv: lv["clients_held"])
    at10k = _level(results, "ours", TARGET_CLIENTS)
    kb = max((lv["kb_per_idle_connection"] or 0) for lv in levels)
    p99 = at10k["broadcasts"]["publish_to_last_client_ms"]["p99"] if at10k else None
    rate = max((lv["burst"]["delivered_per_s"] or 0) for lv in levels)
    views = [res["with_0_clients"], *levels]
    conns = [v["server_redis_connections"] for v in views]
    pubsub = [v["server_redis_pubsub_connections"] for v in levels]
    out |= {
        "clients_on_one_process": TARGET_CLIENTS,
        "clients_met": top["clients_held"] >= TARGET_CLIENTS,
        "kb_per_idle_connection": TARGET_KB_PER_CONN,
        "kb_met": kb <= TARGET_KB_PER_CONN,
        "broadcast_p99_ms_at_10k": TARGET_P99_MS,
        "p99_met": p99 is not None and p99 <= TARGET_P99_MS,
        "delivered_per_s": TARGET_DELIVERED_PER_S,
        "delivered_met": rate >= TARGET_DELIVERED_PER_S,
        "redis_connections_at_0_and_each_level": conns,
        "redis_connections_constant": len(set(conns)) == 1,
        "redis_pubsub_connections_at_each_level": pubsub,
        "redis_pubsub_connections_constant": len(set(pubsub)) == 1,
    }
    return out


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def summary(results: dict[str, Any], report: dict[str, Any]) -> str:
    parts = []
    for target in ("ours", "nchan", "naive"):
        res = results.get(target)
        if not res:
            continue
        if "levels" not in res or not res["levels"]:
            parts.append(f"{target}: {res.get('skipped') or next(iter(res.values()))}")
            continue
        cells = []
        for lv in res["levels"]:
            if "skipped" in lv:
                continue
            b = lv["broadcasts"]["publish_to_last_client_ms"]
            alone = lv["isolated_broadcasts"]["publish_to_last_client_ms"]
            cells.append(
                f"{lv['clients_held']} held {lv['kb_per_idle_connection']} KB/conn "
                f"p99 {b['p99']} ms (alone p50 {alone['p50']}) "
                f"{_num(lv['burst']['delivered_per_s'])}/s"
            )
        parts.append(f"{target}: " + "; ".join(cells))
    t = report.get("targets", {})
    flags = []
    if "clients_met" in t:
        flags += [
            f"10k clients {'met' if t['clients_met'] else 'NOT met'}",
            f"<=30 KB/conn {'met' if t['kb_met'] else 'NOT met'}",
            f"p99<=250 ms@10k {'met' if t['p99_met'] else 'NOT met'}",
            f">=25k/s {'met' if t['delivered_met'] else 'NOT met'}",
            f"Redis conns {t['redis_connections_at_0_and_each_level']} "
            f"{'constant' if t['redis_connections_constant'] else 'NOT constant'} "
            f"(pub/sub {t['redis_pubsub_connections_at_each_level']})",
        ]
    if "churn_no_leak_met" in t:
        c = results["ours_churn"]
        flags.append(
            f"churn {c['cycles_done']} cycles ({c['abrupt_rst_share']:.0%} RST): RSS "
            f"+{c['rss_growth_kb']} KB (+{c['rss_growth_second_half_kb']} KB over the second "
            f"half), numsub {c['after']['numsub']}, gauge "
            f"{c['server_counts_clients_after']:g}, redis conns "
            f"{c['before']['server_redis_connections']}"
            f"->{c['after']['server_redis_connections']} "
            f"{'met' if t['churn_no_leak_met'] else 'NOT met'}"
        )
    if flags:
        parts.append("[" + ", ".join(flags) + "]")
    for key, r in report.get("ratios", {}).items():
        parts.append(
            f"{key}: held x{r['clients_held']}, KB/conn x{r['kb_per_idle_connection']}, "
            f"p99 x{r['broadcast_p99']}, delivered/s x{r['delivered_per_s']}"
        )
    return "fanout: " + " | ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--target",
        type=lambda s: [x.strip() for x in s.split(",") if x.strip()],
        default=["ours"],
        help="comma-separated: ours, nchan, naive (default ours)",
    )
    parser.add_argument(
        "--levels",
        type=lambda s: [int(x) for x in s.split(",") if x.strip()],
        default=[1000, 5000, 10000],
        help="client counts, ascending (default 1000,5000,10000)",
    )
    parser.add_argument("--client-procs", type=int, default=2, help="client processes")
    parser.add_argument(
        "--open-concurrency", type=int, default=32, help="connects in flight per client process"
    )
    parser.add_argument(
        "--storm", type=int, default=2000, help="clients of the connect-storm probe (0: none)"
    )
    parser.add_argument(
        "--storm-concurrency", type=int, default=256, help="storm connects in flight per process"
    )
    parser.add_argument("--settle", type=float, default=2.0, help="idle seconds before RSS")
    parser.add_argument("--broadcasts", type=int, default=20)
    parser.add_argument("--interval", type=float, default=0.5, help="s between broadcasts")
    parser.add_argument(
        "--isolated", type=int, default=5, help="broadcasts each sent once the last one arrived"
    )
    parser.add_argument("--burst", type=int, default=50, help="back-to-back broadcasts")
    parser.add_argument("--cycles", type=int, default=100_000, help="churn cycles (0: none)")
    parser.add_argument("--churn-seconds", type=float, default=80.0, help="churn time bound")
    parser.add_argument("--churn-shops", type=int, default=50)
    parser.add_argument("--churn-segments", type=int, default=4, help="RSS checkpoints")
    parser.add_argument("--churn-concurrency", type=int, default=64, help="per client process")
    parser.add_argument("--budget", type=float, default=170.0, help="whole run, s")
    parser.add_argument("--wait-load", type=float, default=0.0, help="wait for loadavg below")
    parser.add_argument(
        "--naive-pool",
        type=int,
        default=100_000,
        help="the naive peer's Redis pool size = most clients it can hold (redis-py: 100)",
    )
    parser.add_argument(
        "--compare-with",
        default="",
        help="output file of an earlier `ours` run: print peer ratios against it",
    )
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args()
    for t in args.target:
        if t not in SERVERS:
            parser.error(f"unknown target {t}")
    OPTIONS["naive_pool"] = args.naive_pool

    reference: dict[str, Any] = {}
    if args.compare_with:
        # A previous run's JSON (its last line is the summary): ratios against its `ours`.
        lines = Path(args.compare_with).read_text().rstrip().splitlines()
        reference = {"ours": json.loads("\n".join(lines[:-1]))["ours"]}
    quiet = wait_for_quiet(args.wait_load, 300) if args.wait_load else None
    started = now()
    args.deadline = started + args.budget
    info = machine()
    nofile = raise_nofile()
    logs = Path(tempfile.mkdtemp(prefix="proofstream-fanout-"))
    ok = False
    try:
        with private_redis(logs) as (redis_proc, redis_url):
            assert redis_proc.pid is not None
            results = _run(args, logs, redis_url, redis_proc.pid)
        ok = True
    finally:
        if ok and not args.keep_logs:
            shutil.rmtree(logs, ignore_errors=True)
        else:
            log(f"logs in {logs}")
    report: dict[str, Any] = {
        "bench": "fanout",
        "machine": info,
        "config": {
            "env_overrides": env_overrides(),
            "targets": args.target,
            "levels": args.levels,
            "client_processes": args.client_procs,
            "broadcasts": args.broadcasts,
            "isolated_broadcasts": args.isolated,
            "interval_s": args.interval,
            "burst": args.burst,
            "cycles": args.cycles,
            "churn_seconds": args.churn_seconds,
            "rlimit_nofile": nofile,
            "open_concurrency": args.open_concurrency * args.client_procs,
            "storm": args.storm,
            "naive_redis_pool": args.naive_pool,
            "storm_concurrency": args.storm_concurrency * args.client_procs,
            "redis": "private redis-server started by the bench",
            "message_bytes": len(payload(1)),
        },
        "load_wait": quiet,
        **results,
        "ratios": ratios({**reference, **results}, args.levels),
        "ratios_against": "this run" if "ours" in results else args.compare_with,
        "wall_s": round(now() - started, 1),
    }
    report["targets"] = targets_report(results, args)
    print(json.dumps(report, indent=2, default=str))
    print(summary(results, report))


def _run(args: argparse.Namespace, logs: Path, redis_url: str, redis_pid: int) -> dict[str, Any]:
    import uvloop

    return uvloop.run(bench(args, logs, redis_url, redis_pid))


if __name__ == "__main__":
    main()
