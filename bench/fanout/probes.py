"""What the fan-out bench reads while it runs: the server's own client count and Redis
connections, deliveries counted by the clients and their latency, and the small rituals
around a measurement (warm-up, waiting for the server to see every client leave)."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx
import redis.asyncio as aioredis

from bench._procs import metric_value, tcp_local_ports
from bench.fanout import now
from bench.fanout.clients import Clients
from bench.fanout.targets import Server
from streams.redis import channel

__all__ = [
    "Seq",
    "hist_percentiles",
    "last_client_ms",
    "redis_view",
    "scrape",
    "server_clients",
    "settle_to_zero",
    "wait_deliveries",
    "warm_up",
]


async def scrape(url: str | None) -> str:
    """The text at `url` ("" when there is none or it does not answer)."""
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
    """Broadcast sequence numbers of one server's run, from 1."""

    value: int = 0

    def next(self) -> int:
        self.value += 1
        return self.value


def last_client_ms(stats: dict[str, Any], seqs: list[int], held: int) -> list[float]:
    """Publish → last client, in ms, of each broadcast that reached all `held` clients."""
    per_seq = stats["per_seq"]
    return [per_seq[s][1] * 1000 for s in seqs if s in per_seq and per_seq[s][0] >= held]


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
    """Wait until the server counts no subscriber (up to `timeout`); its last count."""
    deadline = now() + timeout
    value = await server_clients(server)
    while value not in (None, 0.0) and now() < deadline:
        await asyncio.sleep(0.25)
        value = await server_clients(server)
    return value
