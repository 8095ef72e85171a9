"""Webhook ingest: signed `orders/create` deliveries against ONE gateway process. The worker
does not run. Only a 200 whose body says `accepted` counts: that means HMAC verified, not a
duplicate (the gateway deduplicates by event id and order id in Redis) and acked by the
broker (acks=all). Every request carries a distinct order, pre-generated before timing.

Phase 1 (throughput): closed loop, `--connections` keep-alive connections each sending the
next request as soon as the previous one is answered, for `--duration` seconds.
Phase 2 (fixed rate): open loop at `--rate`/s for `--rate-duration` s; sends are scheduled
at fixed times and latency is measured from the scheduled time (no coordinated omission).
Phase 3 (bad signatures): as phase 1 for `--bad-duration` s, every request with a forged
HMAC header (a flood of unsigned deliveries): how many 401s a second the gateway answers,
beside the accepted webhooks/s of phase 1.

The load generator is this process (the gateway, broker and Redis are separate processes);
its own CPU time is reported so a reader can tell whether it was the bottleneck.

    .venv/bin/python -m bench.ingest [--duration 15] [--rate 1000] [--bad-duration 5]
        [--client raw|httpx] [--compare-tracing RATIO]

`--compare-tracing 0.1` runs the phases again on a fresh stack tracing one webhook in ten
(exported over OTLP/HTTP to a receiver process, `bench/_otlp_sink.py`) and reports what
tracing costs: throughput and fixed-rate latency against the untraced run.

Prints one JSON object, then a one-line summary as the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from typing import Any

from bench._http import generate_orders
from bench._ingest_clients import Client, HttpxClient, RawClient, Requests
from bench._otlp_sink import sink_process
from bench._report import env_overrides, histogram, histogram_delta, machine, percentiles
from bench._stack import BenchStack, bench_stack, run, stack_cpu

TARGET_THROUGHPUT = 3000.0  # webhooks/s sustained
TARGET_P99_MS = 25.0  # at 1,000/s
ACCEPTED = "200:accepted"
ACK_METRIC = "proofstream_webhook_ack_seconds"  # gateway: body read -> broker ack
now = time.perf_counter  # uvloop's loop.time() has 1 ms resolution


# -- phases -----------------------------------------------------------------------------------


def _per_webhook(usage: dict[str, Any], accepted: int) -> dict[str, float]:
    return {
        name: round(1000 * usage[name]["cpu_s"] / max(1, accepted), 3)
        for name in ("gateway", "broker", "redis", "bench_client")
        if name in usage
    }


def _counts(outcomes: Counter[str], expected: str = ACCEPTED) -> dict[str, Any]:
    return {
        "accepted": outcomes.get(expected, 0),
        "errors": sum(v for k, v in outcomes.items() if k != expected),
        "outcomes": dict(outcomes),
    }


def forged(raw: bytes) -> bytes:
    """The same request with its HMAC header replaced by a wrong one of the same length."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    lines = [
        b"X-Shopify-Hmac-Sha256: " + b"A" * 43 + b"="
        if line.startswith(b"X-Shopify-Hmac-Sha256:")
        else line
        for line in head.split(b"\r\n")
    ]
    return b"\r\n".join(lines) + sep + body


async def closed_loop(
    client: Client,
    requests: Requests,
    *,
    workers: int,
    duration: float,
    stack: BenchStack,
    expected: str = ACCEPTED,
) -> dict[str, Any]:
    """Each of `workers` tasks sends back-to-back until the deadline (or the requests end);
    `expected` is the outcome that counts (`accepted` in the JSON)."""
    outcomes: Counter[str] = Counter()
    latencies: list[float] = []
    cpu = stack_cpu(stack)
    acks = histogram(stack.url + "/metrics", ACK_METRIC)
    cpu.start()
    started = now()
    deadline = started + duration

    async def worker() -> None:
        while now() < deadline and (raw := requests.take()) is not None:
            t0 = now()
            try:
                result = await client.send(raw)
            except Exception as exc:  # noqa: BLE001 - counted, reported
                outcomes[type(exc).__name__] += 1
                continue
            latencies.append((now() - t0) * 1000)
            outcomes[result] += 1

    await asyncio.gather(*(worker() for _ in range(workers)))
    elapsed = now() - started
    counts = _counts(outcomes, expected)
    return {
        "duration_s": round(elapsed, 3),
        "requests": sum(outcomes.values()),
        **counts,
        "ran_out_of_requests": requests.next >= len(requests.raw),
        "webhooks_per_s": round(counts["accepted"] / elapsed, 1),
        "latency_ms_under_saturation": percentiles(latencies),
        "cpu": (usage := cpu.stop()),
        "cpu_ms_per_webhook": _per_webhook(usage, counts["accepted"]),
        "gateway_broker_ack_seconds": histogram_delta(
            acks, histogram(stack.url + "/metrics", ACK_METRIC)
        ),
    }


async def open_loop(
    client: Client, requests: Requests, *, rate: float, stack: BenchStack
) -> dict[str, Any]:
    """Send at fixed scheduled times; latency = response time - scheduled time."""
    total = len(requests.raw)
    interval = 1.0 / rate
    outcomes: Counter[str] = Counter()
    latencies: list[float] = []
    lags: list[float] = []
    tasks: set[asyncio.Task[None]] = set()

    async def one(raw: bytes, scheduled: float) -> None:
        lags.append((now() - scheduled) * 1000)
        try:
            result = await client.send(raw)
        except Exception as exc:  # noqa: BLE001 - counted, reported
            outcomes[type(exc).__name__] += 1
            return
        latencies.append((now() - scheduled) * 1000)
        outcomes[result] += 1

    cpu = stack_cpu(stack)
    acks = histogram(stack.url + "/metrics", ACK_METRIC)
    cpu.start()
    start = now() + 0.05
    sent = 0
    while sent < total:
        t = now()
        while sent < total and start + sent * interval <= t:
            task = asyncio.create_task(one(requests.raw[sent], start + sent * interval))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            sent += 1
        if sent < total:
            await asyncio.sleep(max(0.0, start + sent * interval - now()))
    if tasks:
        await asyncio.wait(tasks, timeout=30)
    elapsed = now() - start
    counts = _counts(outcomes)
    return {
        "rate_per_s": rate,
        "duration_s": round(elapsed, 3),
        "scheduled": total,
        **counts,
        "achieved_per_s": round(counts["accepted"] / elapsed, 1),
        "ack_latency_ms": percentiles(latencies),
        "client_dispatch_lag_ms": percentiles(lags),
        "cpu": (usage := cpu.stop()),
        "cpu_ms_per_webhook": _per_webhook(usage, counts["accepted"]),
        "gateway_broker_ack_seconds": histogram_delta(
            acks, histogram(stack.url + "/metrics", ACK_METRIC)
        ),
    }


async def bench(
    args: argparse.Namespace,
    stack: BenchStack,
    warm: list[bytes],
    tp: list[bytes],
    fixed: list[bytes],
) -> dict[str, Any]:
    client: Client
    if args.client == "raw":
        client = RawClient(stack, args.connections)
    else:
        client = HttpxClient(stack, args.connections)
        client.prepare(warm + tp + fixed)
    await client.start()
    try:
        # Warm-up: connections, producer metadata and batches, Redis connections.
        warm_up = await closed_loop(
            client, Requests(warm), workers=args.connections, duration=args.warmup, stack=stack
        )
        throughput = await closed_loop(
            client, Requests(tp), workers=args.connections, duration=args.duration, stack=stack
        )
        await asyncio.sleep(1.0)
        await client.refresh()
        fixed_rate = await open_loop(client, Requests(fixed), rate=args.rate, stack=stack)
        await client.refresh()
        bad = await closed_loop(
            client,
            Requests([forged(raw) for raw in tp]),
            workers=args.connections,
            duration=args.bad_duration,
            stack=stack,
            expected="401",
        )
    finally:
        await client.close()
    return {
        "warmup": {k: warm_up[k] for k in ("requests", "accepted", "errors", "webhooks_per_s")},
        "throughput": throughput,
        "fixed_rate": fixed_rate,
        "bad_signatures": {
            "requests_per_s": bad["webhooks_per_s"],
            "refused_401": bad["accepted"],
            "other_outcomes": bad["errors"],
            "cpu_ms_per_request": bad["cpu_ms_per_webhook"],
            "cpu": bad["cpu"],
        },
    }


def measured(
    args: argparse.Namespace, settings: dict[str, str] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The three phases on a fresh stack (with `settings` on top of the bench's)."""
    with bench_stack(
        worker=False, log_level=args.log_level, keep_logs=args.keep_logs, settings=settings
    ) as stack:
        t0 = time.monotonic()
        n_warm = int(args.warmup * args.pool_rate)
        n_tp = int(args.duration * args.pool_rate)
        n_fixed = int(args.rate * args.rate_duration)
        orders, mean_body = generate_orders(stack, n_warm + n_tp + n_fixed, shops=args.shops)
        warm, tp, fixed = (
            orders[:n_warm],
            orders[n_warm : n_warm + n_tp],
            orders[n_warm + n_tp :],
        )
        prepare_s = time.monotonic() - t0
        results = run(bench(args, stack, warm, tp, fixed))
    return results, {
        "pre_generated": len(orders),
        "shops": args.shops,
        "mean_body_bytes": mean_body,
        "prepare_s": round(prepare_s, 2),
    }


def tracing_cost(traced: dict[str, Any], plain: dict[str, Any]) -> dict[str, Any]:
    """How much tracing took off the throughput and added to the fixed-rate p50 and p99."""

    def pct(a: float | None, b: float | None) -> float | None:
        return round(100 * (a - b) / b, 1) if a is not None and b else None

    on, off = traced["fixed_rate"]["ack_latency_ms"], plain["fixed_rate"]["ack_latency_ms"]
    return {
        "throughput_change_pct": pct(
            traced["throughput"]["webhooks_per_s"], plain["throughput"]["webhooks_per_s"]
        ),
        "p50_growth_pct": pct(on["p50"], off["p50"]),
        "p99_growth_pct": pct(on["p99"], off["p99"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=15.0, help="throughput phase, s")
    parser.add_argument("--rate", type=float, default=1000.0, help="fixed-rate phase, per s")
    parser.add_argument("--rate-duration", type=float, default=10.0, help="fixed-rate phase, s")
    parser.add_argument("--connections", type=int, default=64, help="keep-alive connections")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw")
    parser.add_argument("--shops", type=int, default=16, help="shops the orders spread over")
    parser.add_argument(
        "--pool-rate",
        type=float,
        default=3500.0,
        help="orders pre-generated per second of throughput phase (it ends early if they run out)",
    )
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds")
    parser.add_argument("--bad-duration", type=float, default=5.0, help="forged-signature phase, s")
    parser.add_argument("--log-level", default="info", help="gateway PROOFSTREAM_LOG_LEVEL")
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs")
    parser.add_argument(
        "--compare-tracing",
        type=float,
        metavar="RATIO",
        help="also run with traces of RATIO of the webhooks (e.g. 0.1) exported over OTLP to "
        "a receiver process, on a fresh stack, and compare",
    )
    args = parser.parse_args()

    info = machine()
    results, orders_info = measured(args)
    comparison: dict[str, Any] = {}
    if args.compare_tracing is not None:
        with sink_process() as sink:
            traced, _ = measured(args, settings=sink.env(args.compare_tracing))
        comparison = {
            "with_tracing": traced | {"sampled": args.compare_tracing},
            "tracing_cost": tracing_cost(traced, results) | {"exported": sink.summary},
        }
    tp_r = results["throughput"]
    fixed_r = results["fixed_rate"]
    p99 = fixed_r["ack_latency_ms"]["p99"]
    report = {
        "bench": "ingest",
        "machine": info,
        "config": {
            "env_overrides": env_overrides(),
            "client": args.client,
            "connections": args.connections,
            "duration_s": args.duration,
            "rate_per_s": args.rate,
            "rate_duration_s": args.rate_duration,
            "gateway_log_level": args.log_level,
            "gateway_processes": 1,
            "worker": False,
        },
        "orders": orders_info,
        **results,
        **comparison,
        "targets": {
            "throughput_per_s": TARGET_THROUGHPUT,
            "throughput_met": tp_r["webhooks_per_s"] >= TARGET_THROUGHPUT,
            "p99_ms_at_rate": TARGET_P99_MS,
            "p99_met": p99 is not None and p99 <= TARGET_P99_MS and fixed_r["errors"] == 0,
        },
    }
    print(json.dumps(report, indent=2))
    gw = tp_r["cpu"].get("gateway", {}).get("cpu_pct_of_one_core")
    me = tp_r["cpu"].get("bench_client", {}).get("cpu_pct_of_one_core")
    lat = fixed_r["ack_latency_ms"]
    targets = report["targets"]
    print(
        f"ingest: {tp_r['webhooks_per_s']:.0f} webhooks/s max ({tp_r['errors']} errors; gateway "
        f"CPU {gw}% of a core, load generator {me}%) [target >= {TARGET_THROUGHPUT:.0f}: "
        f"{'met' if targets['throughput_met'] else 'NOT met'}]; at {args.rate:.0f}/s: "
        f"p50 {lat['p50']} / p90 {lat['p90']} / p99 {p99} / max {lat['max']} ms, "
        f"{fixed_r['errors']} errors [target p99 <= {TARGET_P99_MS:.0f} ms: "
        f"{'met' if targets['p99_met'] else 'NOT met'}]; forged signatures: "
        f"{results['bad_signatures']['requests_per_s']:.0f} refused/s "
        f"({results['bad_signatures']['other_outcomes']} other answers)"
        + (
            f"; traced {args.compare_tracing}: "
            f"{comparison['with_tracing']['throughput']['webhooks_per_s']:.0f} webhooks/s "
            f"({comparison['tracing_cost']['throughput_change_pct']:+} %), p99 at rate "
            f"{comparison['with_tracing']['fixed_rate']['ack_latency_ms']['p99']} ms"
            if comparison
            else ""
        )
    )


if __name__ == "__main__":
    main()
