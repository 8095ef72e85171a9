"""The fan-out bench's churn: connect -> `event: ready` -> disconnect cycles over many shops,
a third of them closed abruptly, with the server's RSS after each segment; then whether
any subscription, client count or Redis connection leaked and fan-out still works."""

from __future__ import annotations

import argparse
import asyncio
import uuid
from collections import Counter
from typing import Any

import redis.asyncio as aioredis

from bench._http import shares
from bench._procs import CpuSet, tcp_connections, vm_rss_kb
from bench.fanout import log, now
from bench.fanout.clients import Clients
from bench.fanout.probes import Seq, redis_view, settle_to_zero, wait_deliveries, warm_up
from bench.fanout.targets import Server

__all__ = ["run_churn"]


async def run_churn(
    server: Server, clients: Clients, r: aioredis.Redis, args: argparse.Namespace
) -> dict[str, Any]:
    """`args.cycles` churn cycles in `args.churn_segments` segments, then what is left:
    NUMSUB, `ps:*` channels, the server's client count and Redis connections, and whether
    10 new clients still get a broadcast."""
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
