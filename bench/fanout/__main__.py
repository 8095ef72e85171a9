"""`python -m bench.fanout`: parse the flags, start the private redis-server and the client
fleet, run each target (then churn), and print the JSON report and its summary line."""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from bench import fanout
from bench._procs import private_redis, raise_nofile, wait_for_quiet
from bench._report import machine
from bench._stack import run
from bench.fanout import log, now
from bench.fanout.churn import run_churn
from bench.fanout.clients import Clients
from bench.fanout.levels import run_levels
from bench.fanout.report import build, load_reference, summary
from bench.fanout.targets import TARGETS, NchanUnavailable, Setup, ours


def parse_args() -> argparse.Namespace:
    """The command line (the package docstring says what each phase does)."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.fanout", description=(fanout.__doc__ or "").split("\n\n")[0]
    )
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
        if t not in TARGETS:
            parser.error(f"unknown target {t}")
    return args


async def run_targets(args: argparse.Namespace, setup: Setup, redis_pid: int) -> dict[str, Any]:
    """Each target of `args.target` in turn (levels and storm), and churn after `ours`,
    within the time budget; one client fleet for all."""
    clients = Clients(args.client_procs, setup.logs)
    await clients.start()
    r = aioredis.Redis.from_url(setup.redis_url)
    results: dict[str, Any] = {}
    try:
        for target in args.target:
            if now() > args.deadline - 30:
                results[target] = {"skipped": "time budget"}
                continue
            started = now()
            if target == "ours" and not args.levels:
                results[target] = {"levels": [], "skipped": "no --levels"}
            else:
                try:
                    async with TARGETS[target](setup) as server:
                        server.other_pids["redis"] = redis_pid
                        results[target] = await run_levels(server, clients, r, args)
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
                async with ours(setup) as server:
                    server.other_pids["redis"] = redis_pid
                    results["ours_churn"] = await run_churn(server, clients, r, args)
                results["ours_churn"]["elapsed_s"] = round(now() - started, 1)
    finally:
        await r.aclose()
        await clients.stop()
    return results


def main() -> None:
    args = parse_args()
    reference = load_reference(args.compare_with) if args.compare_with else {}
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
            setup = Setup(
                redis_url=redis_url,
                redis_port=int(redis_url.rsplit(":", 1)[1].split("/")[0]),
                logs=logs,
                keep_logs=args.keep_logs,
                naive_pool=args.naive_pool,
            )
            results = run(run_targets(args, setup, redis_proc.pid))
        ok = True
    finally:
        if ok and not args.keep_logs:
            shutil.rmtree(logs, ignore_errors=True)
        else:
            log(f"logs in {logs}")
    report = build(
        args,
        results,
        machine=info,
        load_wait=quiet,
        rlimit_nofile=nofile,
        reference=reference,
        wall_s=round(now() - started, 1),
    )
    print(json.dumps(report, indent=2, default=str))
    print(summary(results, report))


if __name__ == "__main__":
    main()
