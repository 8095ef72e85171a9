"""Soak: the whole pipeline under steady load for `--minutes` (default 10) with a worker
restart midway. One gateway and one worker (bench/_stack.py); `--rate` orders/s (default
200) round-robin over `--shops` shops (on every partition), POSTed as signed webhooks and
retried every half second until accepted; `--clients` SSE connections (default 2,000)
spread over the shops' storefront streams, held by bench/_sse_clients.py processes
(1,000 connections each). At `--restart-at` (default: half the run) the worker gets
SIGTERM, as a deploy does, and a new one starts with the same environment.

Each order's first line item is titled `S<seq>@<t>`, `t` its send time on the machine's
monotonic clock, which the clients read back from each notification (bench/_sse_soak.py).
Measured:

- **loss** (must be 0): on every connection held throughout, accepted orders of its shop
  it never received, after the pipeline drained (up to `--drain` s after the last order);
- **duplicates** (must be 0): deliveries of an order to a connection beyond the first;
- **RSS growth** of every process (target < 10 %), sampled every 10 s: from each process's
  own minute `--rss-from` (default 2) to the end of the orders; the restarted worker is
  `worker#2`, measured from its own start (reported without growth if the run is too
  short for it); beside it each process's CPU, % of one core in each minute of its life
  (which process saturates first, and when);
- **end-to-end latency** per delivery (send time to arrival), p50/p90/p99 of the orders
  sent `before` the restart, during it (`restart`: from a second before SIGTERM until the
  new worker is seen consuming) and `after` it; and the longest silence between two
  deliveries.

    .venv/bin/python -m bench.soak                  # 10 min, 200/s, 2,000 clients
    .venv/bin/python -m bench.soak --minutes 0.5 --rate 20 --clients 50 --shops 5
    .venv/bin/python -m bench.soak --bootstrap kafka:9092 --database postgresql+asyncpg://…

Progress goes to stderr every 30 s. Prints one JSON object, then a one-line summary as the
last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from bench._http import OrderFlow
from bench._procs import RssSeries, metric_value, raise_nofile
from bench._report import env_overrides, machine
from bench._stack import BenchStack, bench_stack, run
from bench.fanout.clients import Clients
from bench.fanout.probes import hist_percentiles, scrape
from simulator.partitions import partition_of

TARGET_RSS_GROWTH_PCT = 10.0
SAMPLE_EVERY_S = 10.0
PROGRESS_EVERY_S = 30.0
# Orders sent in the last second before SIGTERM count as the restart's: in the smoke run
# some were still in flight when it landed, and waited for the new worker.
RESTART_MARGIN_S = 1.0
CONNECTIONS_PER_PROCESS = 1000
now = time.perf_counter  # the clock of the titles' `t` and of the clients' arrivals


def log(text: str) -> None:
    print(f"soak: {text}", file=sys.stderr, flush=True)


def soak_shops(count: int, *, partitions: int) -> list[str]:
    """`count` shops `soak-NNN-<run id>`, with a run id under which every partition (so
    every worker of a group) gets at least one."""
    while True:
        run_id = uuid.uuid4().hex[:6]
        shops = [f"soak-{i:03d}-{run_id}.myshopify.com" for i in range(count)]
        if len({partition_of(s, partitions=partitions) for s in shops}) == min(count, partitions):
            return shops


def soak_title(seq: int) -> str:
    """Order `seq`'s first line item title, stamped with its send time."""
    return f"S{seq}@{now():.6f}"


def stream_path(shop: str) -> str:
    return f"/v1/storefront/{shop}/stream"


class Fleet(Clients):
    """The SSE client processes; one command at a time per process (progress, windows and
    the final count come from different tasks)."""

    def __init__(self, count: int, stack: BenchStack) -> None:
        super().__init__(count, stack.logs_dir)
        self.stack = stack
        self._locks = [asyncio.Lock() for _ in range(count)]

    async def call(self, i: int, cmd: dict[str, Any]) -> dict[str, Any]:
        async with self._locks[i]:
            return await super().call(i, cmd)

    async def hold(self, shops: list[str], n: int, concurrency: int) -> dict[str, Any]:
        """Open `n` tracked streams over `shops` (round-robin), each ready."""
        base = {
            "op": "open",
            "host": self.stack.host,
            "port": self.stack.port,
            "paths": [stream_path(s) for s in shops],
            "concurrency": concurrency,
            "timeout_s": 30,
            "track": True,
        }
        replies = await self.each([{**base, "n": k} for k in self.split(n)])
        errors: Counter[str] = Counter()
        for r in replies:
            errors.update(r["errors"])
        return {
            "opened": sum(r["held"] for r in replies),
            "failed": sum(r["failed"] for r in replies),
            "errors": dict(errors),
        }

    async def window(self, label: str, from_seq: int) -> None:
        await self.all({"op": "window", "label": label, "from_seq": from_seq})

    async def tally(self) -> tuple[int, int, int]:
        """(notifications received, connections held, connections dropped)."""
        replies = await self.all({"op": "count"})
        return (
            sum(r["notifications"] for r in replies),
            sum(r["held"] for r in replies),
            sum(r["lost"] for r in replies),
        )

    async def soak(self, expected: dict[str, list[int]]) -> dict[str, Any]:
        """Every process's soak report, merged."""
        replies = await self.all({"op": "soak", "expected": expected})
        merged: dict[str, Any] = {
            key: sum(r[key] for r in replies)
            for key in ("tracked_held", "dropped", "lost", "repeated", "unexpected")
        }
        merged["notifications"] = sum(r["notifications"] for r in replies)
        merged["bad_titles"] = sum(r["bad"] for r in replies)
        merged["lost_sample"] = [s for r in replies for s in r["lost_sample"]][:5]
        hist: dict[str, Counter[int]] = {}
        for r in replies:
            for label, bins in r["hist"].items():
                hist.setdefault(label, Counter()).update({int(k): v for k, v in bins.items()})
        merged["hist"] = hist
        merged["silence"] = max((tuple(r["silence"]) for r in replies), default=(0.0, 0.0))
        return merged


def all_pids(stack: BenchStack, fleet: Fleet) -> dict[str, int]:
    return stack.pids() | {f"sse-clients-{i + 1}": pid for i, pid in enumerate(fleet.pids)}


async def every(seconds: float, done: asyncio.Event, action: Callable[[], Awaitable[None]]) -> None:
    """`action()` every `seconds` until `done`."""
    while True:
        try:
            await asyncio.wait_for(done.wait(), seconds)
            return
        except TimeoutError:
            await action()


async def warm_up(orders: OrderFlow, fleet: Fleet, held: int, timeout_s: float) -> float:
    """One order for every shop, until every held stream got its own: the worker has
    joined its group. Returns the seconds it took."""
    started = now()
    for _ in orders.shops:
        orders.send()
    async with asyncio.timeout(timeout_s):
        while (await fleet.tally())[0] < held:
            await asyncio.sleep(0.5)
    return round(now() - started, 1)


async def consuming(stack: BenchStack, name: str, timeout_s: float) -> None:
    """Wait until worker `name` has handled an event (its own metrics count one)."""
    async with asyncio.timeout(timeout_s):
        while not metric_value(
            await scrape(stack.metrics_url(name)), "proofstream_agent_events_total"
        ):
            await asyncio.sleep(0.2)


async def restart_worker(
    stack: BenchStack, orders: OrderFlow, fleet: Fleet, rss: RssSeries, timeout_s: float
) -> dict[str, Any]:
    """SIGTERM the worker `RESTART_MARGIN_S` from now and start it again; orders from now
    on are in window `restart`, from when the new worker handles events on in `after`."""
    await fleet.window("restart", orders.next_seq)
    await asyncio.sleep(RESTART_MARGIN_S)
    log("restarting the worker")
    sigterm_at = now()
    code = await stack.restart("worker")
    exited_at = now()
    rss.sample(all_pids(stack, fleet))  # the new instance's age starts here
    try:
        await consuming(stack, "worker", timeout_s)
    except TimeoutError:
        log(f"the restarted worker handled nothing within {timeout_s:g} s")
        consuming_s = None
    else:
        consuming_s = round(now() - sigterm_at, 2)
        await fleet.window("after", orders.next_seq)
        log(f"the new worker is consuming, {consuming_s} s after SIGTERM")
    return {
        "at_s": round(sigterm_at - rss.started, 2),
        "exit_code": code,
        "sigterm_to_exit_s": round(exited_at - sigterm_at, 2),
        "sigterm_to_consuming_s": consuming_s,
    }


async def steady(
    stack: BenchStack, args: argparse.Namespace, orders: OrderFlow, fleet: Fleet, rss: RssSeries
) -> dict[str, Any]:
    """The orders' flow, with progress lines, RSS samples and the worker restart beside it.
    Returns the restart's timings."""
    done = asyncio.Event()

    async def progress() -> None:
        delivered, held, dropped = await fleet.tally()
        log(
            f"{now() - rss.started:.0f} s: sent {orders.next_seq}, accepted "
            f"{orders.accepted_count}, delivered {delivered}, held {held}, dropped {dropped}"
        )

    async def sample() -> None:
        rss.sample(all_pids(stack, fleet))

    async def restart() -> dict[str, Any]:
        await asyncio.sleep(max(0.0, args.restart_at * 60 - RESTART_MARGIN_S))
        return await restart_worker(stack, orders, fleet, rss, args.join_timeout)

    await sample()
    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(every(PROGRESS_EVERY_S, done, progress))
        tasks.create_task(every(SAMPLE_EVERY_S, done, sample))
        restarted = tasks.create_task(restart())
        await orders.flow(args.rate, args.minutes * 60)
        await sample()
        done.set()
    return restarted.result()


async def drain(orders: OrderFlow, fleet: Fleet, seconds: float) -> tuple[dict[str, Any], float]:
    """Count once every accepted order reached every held stream, or after `seconds`."""
    await orders.settle()
    expected = {stream_path(shop): seqs for shop, seqs in orders.accepted.items()}
    started = now()
    while True:
        report = await fleet.soak(expected)
        if not report["lost"] or now() - started > seconds:
            return report, round(now() - started, 1)
        await asyncio.sleep(1.0)


def latency(hist: dict[str, Counter[int]]) -> dict[str, Any]:
    """Per window, per-delivery latency (ms) from 0.1 ms bins."""
    return {
        label: {"deliveries": sum(h.values()), **hist_percentiles(h, (50, 90, 99))}
        for label, h in hist.items()
    }


def targets(orders: OrderFlow, delivery: dict[str, Any], rss: dict[str, Any]) -> dict[str, Any]:
    """The issue's targets: no loss, no duplicates, every process's RSS growth < 10 %."""
    return {
        "loss_met": delivery["lost"] == 0 and orders.given_up == 0,
        "duplicates_met": delivery["repeated"] == 0,
        "rss_growth_below_pct": TARGET_RSS_GROWTH_PCT,
        "rss_over_target": [
            k for k, v in rss.items() if (v["growth_pct"] or 0) >= TARGET_RSS_GROWTH_PCT
        ],
        "rss_not_measured": [k for k, v in rss.items() if v["growth_pct"] is None],
    }


async def soak(stack: BenchStack, args: argparse.Namespace) -> dict[str, Any]:
    """Streams held, warm-up, the steady flow with its restart, the drain; the results."""
    partitions = int(stack.env.get("PROOFSTREAM_TOPIC_PARTITIONS", "4"))
    shops = soak_shops(args.shops, partitions=partitions)
    orders = OrderFlow(stack, shops, connections=args.connections, title=soak_title)
    fleet = Fleet(args.client_procs or math.ceil(args.clients / CONNECTIONS_PER_PROCESS), stack)
    await fleet.start()
    try:
        await orders.pool.start()
        streams = await fleet.hold(shops, args.clients, args.open_concurrency)
        log(f"{streams['opened']} streams open; warming up")
        await fleet.window("warm-up", 0)
        warm_s = await warm_up(orders, fleet, streams["opened"], args.join_timeout)
        await fleet.window("before", orders.next_seq)
        await orders.pool.refresh()  # uvicorn closed those idle for 5 s
        rss = RssSeries(now())
        restart = await steady(stack, args, orders, fleet, rss)
        log(f"all {orders.next_seq} orders sent; draining")
        delivery, drained_s = await drain(orders, fleet, args.drain)
    finally:
        await fleet.stop()
    gap, gap_end = delivery.pop("silence")
    restart["longest_silence_s"] = round(gap, 2)
    restart["longest_silence_from_s"] = round(gap_end - gap - rss.started, 2)
    growth = rss.growth(args.rss_from * 60)
    return {
        "warm_up_s": warm_s,
        "orders": orders.report(),
        "streams": streams | {"held_at_end": delivery["tracked_held"]},
        "delivery": {k: v for k, v in delivery.items() if k != "hist"}
        | {"drained_after_s": drained_s},
        "latency_ms": latency(delivery["hist"]),
        "restart": restart,
        "rss": growth,
        "targets": targets(orders, delivery, growth),
    }


def summary(report: dict[str, Any]) -> str:
    p, r = report["parameters"], report["results"]
    lat, d, t = r["latency_ms"], r["delivery"], r["targets"]

    def p99(window: str) -> str:
        return f"{lat[window]['p99']} ms" if window in lat else "-"

    growth = {k: v["growth_pct"] for k, v in r["rss"].items() if v["growth_pct"] is not None}
    worst = max(growth, key=lambda k: growth[k], default=None)
    return (
        f"soak: {p['minutes']:g} min at {p['rate_per_s']:g}/s, {r['streams']['held_at_end']}"
        f"/{p['clients']} streams held, worker restarted at {r['restart']['at_s']} s "
        f"(consuming after {r['restart']['sigterm_to_consuming_s']} s, longest silence "
        f"{r['restart']['longest_silence_s']} s): lost {d['lost']}, duplicates "
        f"{d['repeated']}, non-200 answers {r['orders']['non_200_answers']}; p99 before "
        f"{p99('before')}, restart {p99('restart')}, after {p99('after')}; RSS growth max "
        f"{growth.get(worst) if worst else '-'} % ({worst}) "
        f"[loss 0: {'met' if t['loss_met'] else 'NOT met'}, duplicates 0: "
        f"{'met' if t['duplicates_met'] else 'NOT met'}, RSS < {TARGET_RSS_GROWTH_PCT:g} %: "
        f"{'NOT met: ' + ', '.join(t['rss_over_target']) if t['rss_over_target'] else 'met'}"
        f"{'; not measured: ' + ', '.join(t['rss_not_measured']) if t['rss_not_measured'] else ''}]"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument("--minutes", type=float, default=10.0, help="minutes of orders (10)")
    parser.add_argument("--rate", type=float, default=200.0, help="orders/s over all shops (200)")
    parser.add_argument("--clients", type=int, default=2000, help="SSE connections held (2,000)")
    parser.add_argument("--shops", type=int, default=100, help="shops, orders round-robin (100)")
    parser.add_argument("--restart-at", type=float, help="minute of the SIGTERM (half the run)")
    parser.add_argument("--rss-from", type=float, default=2.0, help="RSS baseline, minute (2)")
    parser.add_argument("--drain", type=float, default=60.0, help="longest drain, s (60)")
    parser.add_argument(
        "--database", help="DATABASE_URL of the record (default: a SQLite file of the run's own)"
    )
    parser.add_argument(
        "--bootstrap",
        help="a running Kafka's bootstrap servers (default: an embedded Tansu broker, whose "
        "fetches slow as its log grows: bench/RESULTS.md section 11)",
    )
    parser.add_argument("--connections", type=int, default=32, help="webhook connections (32)")
    parser.add_argument(
        "--client-procs", type=int, default=0, help="SSE client processes (0: one per 1,000)"
    )
    parser.add_argument(
        "--open-concurrency", type=int, default=32, help="connects in flight per process (32)"
    )
    parser.add_argument("--join-timeout", type=float, default=120.0, help="worker join, s (120)")
    parser.add_argument("--log-level", default="info", help="PROOFSTREAM_LOG_LEVEL")
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs")
    args = parser.parse_args()
    if args.restart_at is None:
        args.restart_at = args.minutes / 2
    if not 0 < args.restart_at < args.minutes:
        parser.error("--restart-at must fall inside the run")
    return args


def main() -> None:
    args = parse_args()
    info = machine()
    raise_nofile()  # the gateway inherits it: one fd per stream
    with bench_stack(
        worker=True,
        log_level=args.log_level,
        keep_logs=args.keep_logs,
        database_url=args.database,
        bootstrap=args.bootstrap,
    ) as stack:
        result = run(soak(stack, args))
    report = {
        "bench": "soak",
        "machine": info,
        "env_overrides": env_overrides(),
        "parameters": {
            "minutes": args.minutes,
            "rate_per_s": args.rate,
            "clients": args.clients,
            "shops": args.shops,
            "restart_at_min": args.restart_at,
            "rss_from_min": args.rss_from,
            "drain_s": args.drain,
            "connections": args.connections,
            "latency": "per delivery, from the order's send time to the SSE frame's arrival",
        },
        "results": result,
    }
    print(json.dumps(report, indent=2))
    print(summary(report))


if __name__ == "__main__":
    main()
