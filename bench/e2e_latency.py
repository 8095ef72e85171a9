"""End to end: signed webhook POSTed → notification received by an SSE client of that shop,
through the real gateway, broker (Tansu), worker (Faust: normalize, render, publish), Redis
pub/sub and the gateway's SSE fan-out.

For each rate (default 50, 200 and 1,000 orders/s), fresh shops (`bench-<uuid8>`), one SSE
client per shop opened first (waiting for `event: ready`), then open-loop sends at fixed
times for `--duration` s; each order's first line item title is a unique marker, found
again in the notification's `fields.product`. Latency is from the scheduled send time
(so it includes the gateway's broker ack) to the SSE frame's arrival; `from_ack_ms` is
from the 200 answer instead. At the end of a rate, stragglers are awaited (up to
`--settle` s without progress) before anything is counted as lost.

    .venv/bin/python -m bench.e2e_latency [--rates 50,200,1000] [--duration 8]
        [--database URL] [--compare-record] [--compare-tracing RATIO]

`--compare-record` runs the same rates again on a fresh stack whose worker has no `record`
(SQL) and `engagement` agents (`bench/peers/worker_without_record.py`), and reports what
writing the notification record costs: the p50 and p99 with it against without it.
`--compare-tracing 0.1` runs them again on a fresh stack tracing one order in ten
(`parentbased_traceidratio`), exported over OTLP/HTTP to a receiver process
(`bench/_otlp_sink.py`), and reports what tracing costs the same way, with the spans the
receiver got.

Prints one JSON object, then a one-line summary as the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from collections import Counter
from typing import Any

from bench._e2e_clients import Receipts, sse_clients
from bench._http import ConnectionPool, build_request, outcome
from bench._otlp_sink import sink_process
from bench._report import env_overrides, histogram, histogram_delta, machine, percentiles
from bench._stack import BenchStack, bench_stack, run, stack_cpu
from simulator.orders import OrderFactory

TARGET_RATE = 200.0
TARGET_P50_MS = 40.0
TARGET_P99_MS = 150.0
PATH = "/webhooks/shopify"
ACCEPTED = "200:accepted"  # 200 alone may also mean "duplicate"
now = time.perf_counter  # system-wide monotonic clock; uvloop's loop.time() has 1 ms steps


def order_request(stack: BenchStack, factory: OrderFactory, marker: str) -> bytes:
    payload = factory.order()
    payload["line_items"][0]["title"] = marker
    return build_request(
        host=stack.host,
        port=stack.port,
        path=PATH,
        body=factory.body(payload),
        secret=stack.secret,
        shop=factory.shop,
        topic="orders/create",
    )


# -- SSE --------------------------------------------------------------------------------------


async def warm_up(stack: BenchStack, conns: ConnectionPool, timeout_s: float) -> float:
    """One order through the whole pipeline: returns once the worker has joined its group
    and the order arrived (seconds waited)."""
    shop = f"bench-{uuid.uuid4().hex[:8]}.myshopify.com"
    factory = OrderFactory(shop=shop)
    receipts = Receipts()
    started = now()
    async with sse_clients(stack, [shop], receipts):
        marker = f"bench-warmup-{uuid.uuid4().hex[:8]}"
        result = outcome(*await conns.send(order_request(stack, factory, marker)))
        if result != ACCEPTED:
            raise RuntimeError(f"warm-up webhook answered {result}")
        async with asyncio.timeout(timeout_s):
            while marker not in receipts.arrived:
                receipts.progress.clear()
                await receipts.progress.wait()
        # A few more, so every stage has run more than once before timing.
        more = [f"bench-warmup-{uuid.uuid4().hex[:8]}" for _ in range(20)]
        for m in more:
            await conns.send(order_request(stack, factory, m))
            await asyncio.sleep(0.02)
        async with asyncio.timeout(30):
            while not all(m in receipts.arrived for m in more):
                receipts.progress.clear()
                await receipts.progress.wait()
    return now() - started


async def measure_rate(
    stack: BenchStack, conns: ConnectionPool, *, rate: float, args: argparse.Namespace
) -> dict[str, Any]:
    shops = [f"bench-{uuid.uuid4().hex[:8]}.myshopify.com" for _ in range(args.shops)]
    factories = [OrderFactory(shop=shop) for shop in shops]  # unseeded: ids never repeat
    run_id = uuid.uuid4().hex[:6]
    total = int(rate * args.duration)
    markers = [f"bench-{run_id}-{i}" for i in range(total)]
    requests = [order_request(stack, factories[i % len(shops)], m) for i, m in enumerate(markers)]
    interval = 1.0 / rate
    scheduled = [0.0] * total
    acked: dict[int, float] = {}
    statuses: Counter[str] = Counter()
    receipts = Receipts()
    worker_metrics = f"http://127.0.0.1:{stack.env['PROOFSTREAM_WORKER_METRICS_PORT']}/metrics"
    publish_before = histogram(worker_metrics, "proofstream_agent_lag_seconds", 'stage="publish"')
    normalize_before = histogram(
        worker_metrics, "proofstream_agent_lag_seconds", 'stage="normalize"'
    )

    async def one(i: int) -> None:
        try:
            result = outcome(*await conns.send(requests[i]))
        except Exception as exc:  # noqa: BLE001 - counted, reported
            statuses[type(exc).__name__] += 1
            return
        statuses[result] += 1
        if result == ACCEPTED:
            acked[i] = now()

    async with sse_clients(stack, shops, receipts):
        await conns.refresh()
        cpu, cpu_all = stack_cpu(stack), stack_cpu(stack)
        cpu.start()
        cpu_all.start()
        tasks: set[asyncio.Task[None]] = set()
        start = now() + 0.05
        sent = 0
        while sent < total:
            t = now()
            while sent < total and start + sent * interval <= t:
                scheduled[sent] = start + sent * interval
                task = asyncio.create_task(one(sent))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                sent += 1
            if sent < total:
                await asyncio.sleep(max(0.0, start + sent * interval - now()))
        send_done = now()
        if tasks:
            await asyncio.wait(tasks, timeout=30)
        cpu_result = cpu.stop()
        # Stragglers: wait while notifications keep coming, up to a hard cap.
        expected = {markers[i] for i in acked}
        deadline = now() + args.max_wait
        still_arriving = False
        while not expected <= receipts.arrived.keys() and now() < deadline:
            receipts.progress.clear()
            try:
                async with asyncio.timeout(args.settle):
                    await receipts.progress.wait()
            except TimeoutError:
                break
        else:
            still_arriving = not expected <= receipts.arrived.keys()
        drained_after_s = now() - send_done
        cpu_all_result = cpu_all.stop()

    from_send = [
        (receipts.arrived[markers[i]] - scheduled[i]) * 1000
        for i in range(total)
        if markers[i] in receipts.arrived
    ]
    from_ack = [
        (receipts.arrived[markers[i]] - acked[i]) * 1000
        for i in acked
        if markers[i] in receipts.arrived
    ]
    received = sum(1 for m in markers if m in receipts.arrived)
    return {
        "rate_per_s": rate,
        "duration_s": args.duration,
        "shops": len(shops),
        "sent": total,
        "accepted": len(acked),
        "send_errors": sum(v for k, v in statuses.items() if k != ACCEPTED),
        "outcomes": dict(statuses),
        "received": received,
        "lost": len(expected) - len(expected & receipts.arrived.keys()),
        "still_arriving_at_cutoff": still_arriving,
        "duplicates": receipts.duplicates,
        "sse_reconnects": receipts.reconnects,
        "drained_after_last_send_s": round(drained_after_s, 2),
        "latency_ms": percentiles(from_send),
        "from_ack_ms": percentiles(from_ack),
        "worker_stage_lag_s": {
            "normalize": histogram_delta(
                normalize_before,
                histogram(worker_metrics, "proofstream_agent_lag_seconds", 'stage="normalize"'),
            ),
            "publish": histogram_delta(
                publish_before,
                histogram(worker_metrics, "proofstream_agent_lag_seconds", 'stage="publish"'),
            ),
        },
        "cpu_during_sending": cpu_result,
        "cpu_sending_and_draining": cpu_all_result,
        "cpu_ms_per_order": {
            name: round(1000 * cpu_all_result[name]["cpu_s"] / max(1, received), 3)
            for name in ("gateway", "worker", "broker", "redis", "bench_client")
            if name in cpu_all_result
        },
    }


def latency_growth(on_run: dict[str, Any], off_run: dict[str, Any]) -> dict[str, Any]:
    """Per rate: how much higher p50 and p99 are in `on_run` (with the record agents, or
    with tracing) than in `off_run`."""

    def growth(key: str) -> dict[str, float]:
        out = {}
        for on, off in zip(on_run["rates"], off_run["rates"], strict=True):
            a, b = on["latency_ms"][key], off["latency_ms"][key]
            out[f"{on['rate_per_s']:g}"] = round(100 * (a - b) / b, 1) if a and b else 0.0
        return out

    return {"p50_growth_pct": growth("p50"), "p99_growth_pct": growth("p99")}


async def bench(args: argparse.Namespace, stack: BenchStack) -> dict[str, Any]:
    conns = ConnectionPool(stack.host, stack.port, args.connections)
    await conns.start()
    try:
        joined_s = await warm_up(stack, conns, args.join_timeout)
        rates = []
        for rate in args.rates:
            rates.append(await measure_rate(stack, conns, rate=rate, args=args))
            await asyncio.sleep(1.0)
    finally:
        await conns.close()
    return {"warmup_s": round(joined_s, 2), "rates": rates}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rates",
        type=lambda text: [float(x) for x in text.split(",")],
        default=[50.0, 200.0, 1000.0],
        help="orders per second, comma-separated (default 50,200,1000)",
    )
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per rate")
    parser.add_argument("--shops", type=int, default=4, help="shops (one SSE client each)")
    parser.add_argument("--connections", type=int, default=32, help="webhook connections")
    parser.add_argument("--settle", type=float, default=5.0, help="stop waiting after s idle")
    parser.add_argument("--max-wait", type=float, default=60.0, help="longest straggler wait")
    parser.add_argument("--join-timeout", type=float, default=90.0, help="worker join, s")
    parser.add_argument("--log-level", default="info", help="PROOFSTREAM_LOG_LEVEL")
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs")
    parser.add_argument(
        "--database", default=None, help="DATABASE_URL (default: a SQLite file of the run's own)"
    )
    parser.add_argument(
        "--compare-record",
        action="store_true",
        help="also run without the record agents, on a fresh stack, and compare",
    )
    parser.add_argument(
        "--compare-tracing",
        type=float,
        metavar="RATIO",
        help="also run with traces of RATIO of the orders (e.g. 0.1) exported over OTLP to "
        "a receiver process, on a fresh stack, and compare",
    )
    args = parser.parse_args()

    info = machine()

    def measured(
        worker_module: tuple[str, ...] = ("proofstream", "worker"),
        settings: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        with bench_stack(
            worker=True,
            log_level=args.log_level,
            keep_logs=args.keep_logs,
            database_url=args.database,
            worker_module=worker_module,
            settings=settings,
        ) as stack:
            return run(bench(args, stack))

    results = measured()
    comparison: dict[str, Any] = {}
    if args.compare_record:
        without = measured(("bench.peers.worker_without_record",))
        comparison["without_record"] = without
        comparison["record_cost"] = latency_growth(results, without)
    if args.compare_tracing is not None:
        with sink_process() as sink:
            traced = measured(settings=sink.env(args.compare_tracing))
        comparison["with_tracing"] = traced | {"sampled": args.compare_tracing}
        comparison["tracing_cost"] = latency_growth(traced, results)
        comparison["tracing_cost"]["exported"] = sink.summary
    target = next((r for r in results["rates"] if r["rate_per_s"] == TARGET_RATE), None)
    lost = sum(r["lost"] for r in results["rates"])
    report = {
        "bench": "e2e_latency",
        "machine": info,
        "config": {
            "env_overrides": env_overrides(),
            "rates": args.rates,
            "duration_s": args.duration,
            "shops_per_rate": args.shops,
            "connections": args.connections,
            "log_level": args.log_level,
            "database": args.database or "sqlite (a file of the run's own)",
            "latency_from": "scheduled send time (includes the gateway's broker ack)",
        },
        **results,
        **comparison,
        "targets": {
            "at_rate_per_s": TARGET_RATE,
            "p50_ms": TARGET_P50_MS,
            "p99_ms": TARGET_P99_MS,
            "lost": 0,
            "p50_met": bool(
                target
                and target["latency_ms"]["p50"] is not None
                and target["latency_ms"]["p50"] <= TARGET_P50_MS
            ),
            "p99_met": bool(
                target
                and target["latency_ms"]["p99"] is not None
                and target["latency_ms"]["p99"] <= TARGET_P99_MS
            ),
            "loss_met": lost == 0,
        },
    }
    print(json.dumps(report, indent=2))
    parts = [
        f"{r['rate_per_s']:g}/s: p50 {r['latency_ms']['p50']} p99 {r['latency_ms']['p99']} "
        f"max {r['latency_ms']['max']} ms, lost {r['lost']}/{r['accepted']}"
        for r in results["rates"]
    ]
    for other, cost, label in (
        ("without_record", "record_cost", "without record"),
        ("with_tracing", "tracing_cost", f"traced {args.compare_tracing}"),
    ):
        if other in report:
            parts += [
                f"{label} {r['rate_per_s']:g}/s: p50 {r['latency_ms']['p50']} "
                f"p99 {r['latency_ms']['p99']} ms (p99 growth {growth:+.0f} %)"
                for r, growth in zip(
                    report[other]["rates"], report[cost]["p99_growth_pct"].values(), strict=True
                )
            ]
    t = report["targets"]
    print(
        "e2e: " + "; ".join(parts) + f" [targets at {TARGET_RATE:g}/s p50 <= {TARGET_P50_MS:g}: "
        f"{'met' if t['p50_met'] else 'NOT met'}, p99 <= {TARGET_P99_MS:g}: "
        f"{'met' if t['p99_met'] else 'NOT met'}; loss 0: {'met' if t['loss_met'] else 'NOT met'}]"
    )


if __name__ == "__main__":
    main()
