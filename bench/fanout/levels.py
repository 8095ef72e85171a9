"""The fan-out bench's levels: clients added level by level on one shop, each level's
idle memory, broadcast latency and burst rate, then a connect storm."""

from __future__ import annotations

import argparse
import asyncio
import uuid
from typing import Any

import redis.asyncio as aioredis

from bench._procs import CpuSet, max_open_files, metric_value, vm_rss_kb
from bench._report import percentiles
from bench.fanout import log, now
from bench.fanout.clients import Clients
from bench.fanout.probes import (
    Seq,
    hist_percentiles,
    last_client_ms,
    redis_view,
    scrape,
    server_clients,
    settle_to_zero,
    wait_deliveries,
    warm_up,
)
from bench.fanout.targets import Server

__all__ = ["measure_level", "run_levels"]


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
    """Open clients up to `n`, then measure idle memory and Redis connections, spaced,
    isolated and back-to-back broadcasts."""
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


async def run_levels(
    server: Server, clients: Clients, r: aioredis.Redis, args: argparse.Namespace
) -> dict[str, Any]:
    """Every level of `args.levels` on one shop, what is left once all clients left, then
    the connect storm."""
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
