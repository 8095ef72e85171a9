"""Worker throughput: one `proofstream worker` process (or `--workers N` in one group)
drains a backlog of raw webhooks (orders: normalize + render, then publish: two Kafka
hops) into Redis, and records every notification in SQL (the `record` agent).

The broker (Tansu, fresh) and a private redis-server are started first, topics created
with `streams.admin.ensure_topics`, then `--orders` distinct `orders/create` webhooks
(`simulator.orders.OrderFactory`, ~5 KB, wrapped with `WebhookEnvelope.encode` as the
gateway does) are produced straight to `proofstream.webhooks.raw`, keyed by shop, over
`--shops` shops. Only then does the worker start. It runs with
`PROOFSTREAM_STREAM_MAXLEN=100000` so that every notification stays in its shop's stream.

Timing: from the worker's process start, and from its first publish (the first Redis
stream id: Redis server time), to the last publish (the largest last stream id over the
shops). Completion is polled on the worker's own counters
`proofstream_agent_events_total{stage="publish",outcome="ok"}` (then checked with XLEN)
and `{stage="record",outcome="saved"}` (the rows written; `record_done_after_start_s`).

    .venv/bin/python -m bench.worker [--orders 20000] [--shops 50] [--workers 1]
        [--database URL]

Prints one JSON object, then a one-line summary as the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import shutil
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import redis.asyncio as aioredis
from aiokafka import AIOKafkaProducer

from bench._http import shares
from bench._procs import CpuSet, cpu_seconds, private_redis, schedstat, wait_for_quiet
from bench._report import env_overrides, machine
from bench._stack import stack_env
from proofstream.services import ManagedProcess, free_port, start_broker, start_component
from schemas import WebhookEnvelope
from simulator.orders import OrderFactory
from streams.admin import ensure_topics
from streams.redis import stream_key
from streams.topics import NAMES, RAW_WEBHOOKS

TARGET_ORDERS_PER_S = 3000.0
STREAM_MAXLEN = 100_000
now = time.monotonic


def log(text: str) -> None:
    print(f"worker-bench: {text}", file=sys.stderr, flush=True)


# -- backlog ----------------------------------------------------------------------------------


def _envelopes(job: tuple[list[str], int]) -> tuple[list[tuple[str, bytes]], int]:
    shops, count = job
    factories = [OrderFactory(shop=shop) for shop in shops]  # unseeded: fresh order ids
    out, body_bytes = [], 0
    received = datetime.now(UTC)
    for i in range(count):
        factory = factories[i % len(factories)]
        body = factory.body(factory.order())
        body_bytes += len(body)
        envelope = WebhookEnvelope.encode(
            webhook_id=str(uuid.uuid4()),
            event_id=str(uuid.uuid4()),
            topic="orders/create",
            shop=factory.shop,
            api_version="2026-10",
            triggered_at=received,
            received_at=received,
            raw_payload=body,
        )
        out.append((factory.shop, envelope))
    return out, body_bytes


def generate(
    count: int, shops: list[str], processes: int = 2
) -> tuple[list[tuple[str, bytes]], int]:
    """`count` envelopes over `shops` (each process its own shops); returns them and the
    mean body size. Call before any event loop runs (it forks)."""
    per = shares(count, processes)
    jobs = [(shops[i::processes], n) for i, n in enumerate(per)]
    with concurrent.futures.ProcessPoolExecutor(processes) as pool:
        results = list(pool.map(_envelopes, jobs))
    envelopes = [e for chunk, _ in results for e in chunk]
    return envelopes, round(sum(b for _, b in results) / max(1, count))


async def preload(
    bootstrap: str, partitions: int, envelopes: list[tuple[str, bytes]]
) -> dict[str, Any]:
    started = now()
    await ensure_topics(
        bootstrap=bootstrap, names=NAMES, partitions=partitions, retention=timedelta(days=7)
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=False,
        linger_ms=5,
        max_batch_size=1024 * 1024,
        max_request_size=4 * 1024 * 1024,
    )
    await producer.start()
    acked = 0
    try:
        for i in range(0, len(envelopes), 2000):
            futures = [
                await producer.send(RAW_WEBHOOKS, key=shop.encode(), value=value)
                for shop, value in envelopes[i : i + 2000]
            ]
            acked += sum(1 for _ in await asyncio.gather(*futures))
    finally:
        await producer.stop()
    return {
        "produced": len(envelopes),
        "acked_by_broker": acked,
        "mean_envelope_bytes": round(sum(len(v) for _, v in envelopes) / max(1, len(envelopes))),
        "preload_s": round(now() - started, 2),
    }


# -- measurement ------------------------------------------------------------------------------


def counter(text: str, name: str, *labels: str) -> float:
    """Sum of the samples of `name` whose label set has every one of `labels` (any order)."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{"):
            head = line.rsplit(" ", 1)[0]
            if all(label in head for label in labels):
                total += float(line.rsplit(" ", 1)[1])
    return total


def worker_counts(http: httpx.Client, url: str) -> dict[str, float]:
    try:
        text = http.get(url, timeout=2).text
    except httpx.HTTPError:
        return {}
    name = "proofstream_agent_events_total"
    return {
        "normalize_ok": counter(text, name, 'stage="normalize"', 'outcome="ok"'),
        "dead_letter": counter(text, name, 'outcome="dead_letter"'),
        "render_ok": counter(text, name, 'stage="render"', 'outcome="ok"'),
        "render_skipped": counter(text, name, 'stage="render"', 'outcome="skipped"'),
        "publish_ok": counter(text, name, 'stage="publish"', 'outcome="ok"'),
        "publish_duplicate": counter(text, name, 'stage="publish"', 'outcome="duplicate"'),
        "record_saved": counter(text, name, 'stage="record"', 'outcome="saved"'),
    }


def _ms(stream_id: Any) -> int:
    """The milliseconds part of a Redis stream id (`b"1700000000000-3"`)."""
    text = stream_id.decode() if isinstance(stream_id, bytes) else str(stream_id)
    return int(text.split("-", 1)[0])


async def redis_truth(redis_url: str, shops: list[str]) -> dict[str, Any]:
    """XLEN over the shops, and the first and last stream ids (Redis server ms)."""
    client = aioredis.Redis.from_url(redis_url)
    try:
        total, firsts, lasts = 0, [], []
        for shop in shops:
            key = stream_key(shop)
            total += await client.xlen(key)
            first = await client.xrange(key, count=1)
            last = await client.xrevrange(key, count=1)
            if first:
                firsts.append(_ms(first[0][0]))
            if last:
                lasts.append(_ms(last[0][0]))
    finally:
        await client.aclose()
    return {
        "xlen_total": total,
        "first_publish_ms": min(firsts) if firsts else None,
        "last_publish_ms": max(lasts) if lasts else None,
    }


def log_times(log_path: Path) -> dict[str, float]:
    """Wall-clock times (epoch s) of the worker's first "(Re-)joining group", "Joined group"
    and "[^Worker]: Ready" log lines (Faust's and aiokafka's wording; local time, ms)."""
    marks = {"joining": "(Re-)joining group", "joined": "Joined group", "ready": "[^Worker]: Ready"}
    out: dict[str, float] = {}
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError:
        return out
    for line in lines:
        for name, text in marks.items():
            if name not in out and text in line and line.startswith("["):
                try:
                    stamp = datetime.strptime(line[1:24], "%Y-%m-%d %H:%M:%S,%f")
                except ValueError:
                    continue
                out[name] = stamp.timestamp()  # naive = local time, as Faust logs it
    return out


def measure(
    args: argparse.Namespace,
    env: dict[str, str],
    logs: Path,
    pids: dict[str, int],
    deadline: float,
) -> dict[str, Any]:
    names = ["worker"] if args.workers == 1 else [f"worker{i}" for i in range(args.workers)]
    workers: list[ManagedProcess] = []
    envs: list[dict[str, str]] = []
    metrics_urls: list[str] = []
    for _ in names:
        # One group; each process its own metrics and web ports (Faust binds the latter).
        own = {**env, "PROOFSTREAM_WORKER_METRICS_PORT": str(free_port())}
        own["PROOFSTREAM_WORKER_WEB_PORT"] = str(free_port())
        metrics_urls.append(f"http://127.0.0.1:{own['PROOFSTREAM_WORKER_METRICS_PORT']}/metrics")
        envs.append(own)
    started_wall = time.time()
    started = now()
    worker_pids: dict[str, int] = {}
    for name, own in zip(names, envs, strict=True):
        worker = start_component("worker", name=name, env=own, logs=logs)
        assert worker.pid is not None
        worker_pids[name] = worker.pid
        workers.append(worker)
    http = httpx.Client()
    try:
        all_pids = {**worker_pids, **pids}
        whole = CpuSet(all_pids).start()
        steady: CpuSet | None = None
        first_seen: float | None = None
        cpu_at_first: dict[str, float | None] = {}
        per_worker: list[dict[str, float]] = [{} for _ in workers]
        samples: list[tuple[float, float]] = []
        recorded_at: float | None = None
        while now() < deadline:
            for name, worker in zip(names, workers, strict=True):
                if worker.poll() is not None:
                    raise RuntimeError(f"{name} exited; see {logs / (name + '.log')}")
            for i, url in enumerate(metrics_urls):
                per_worker[i] = worker_counts(http, url) or per_worker[i]
            done = sum(counts.get("publish_ok", 0.0) for counts in per_worker)
            samples.append((round(now() - started, 2), done))
            if done > 0 and first_seen is None:
                first_seen = now()
                cpu_at_first = {name: cpu_seconds(pid) for name, pid in worker_pids.items()}
                steady = CpuSet(all_pids).start()
            saved = sum(counts.get("record_saved", 0.0) for counts in per_worker)
            if saved >= args.orders and recorded_at is None:
                recorded_at = now()
            if done >= args.orders and recorded_at is not None:
                break
            time.sleep(1.0)  # each scrape costs the workers CPU (their ProcessCollector)
        finished = now()
        steady_usage = steady.stop() if steady else {}
        whole_usage = whole.stop()
        cpu_total = {name: cpu_seconds(pid) for name, pid in worker_pids.items()}
        sched = {name: schedstat(pid) for name, pid in worker_pids.items()}
    finally:
        http.close()
        for worker in workers:
            worker.stop()
    truth = asyncio.run(redis_truth(args.redis_url, args.shop_names))
    counts = {
        key: sum(c.get(key, 0.0) for c in per_worker) for key in per_worker[0] or {"publish_ok": 0}
    }
    published = int(counts.get("publish_ok", 0))
    first_ms, last_ms = truth["first_publish_ms"], truth["last_publish_ms"]
    joined = log_times(logs / f"{names[0]}.log").get("joined")
    out: dict[str, Any] = {
        "completed": published >= args.orders,
        "counters": counts,
        "published_by_each_worker": {
            name: c.get("publish_ok", 0.0) for name, c in zip(names, per_worker, strict=True)
        },
        "redis": truth,
        "poll_detected_s": {
            "first_publish_after_start": round(first_seen - started, 2) if first_seen else None,
            "all_published_and_recorded_after_start": round(finished - started, 2),
        },
        "record_done_after_start_s": round(recorded_at - started, 2) if recorded_at else None,
        "rows_recorded": int(counts.get("record_saved", 0)),
        "progress_samples": samples[:: max(1, len(samples) // 40)],
        "worker_log_after_start_s": {
            name: round(at - started_wall, 2)
            for name, at in log_times(logs / f"{names[0]}.log").items()
        },
        "cpu_whole_run": whole_usage,
        "cpu_first_to_last_publish": steady_usage,
        "worker_cpu_s_total": cpu_total,
        "worker_cpu_s_before_first_publish": cpu_at_first,
        "worker_main_thread_schedstat_s": sched,
    }
    if first_ms is not None and last_ms is not None:
        from_start_s = last_ms / 1000 - started_wall
        steady_s = (last_ms - first_ms) / 1000
        out["startup_to_first_publish_s"] = round(first_ms / 1000 - started_wall, 2)
        if joined is not None:
            join_s = last_ms / 1000 - joined
            out["from_group_join"] = {
                "seconds": round(join_s, 2),
                "orders_per_s": round(truth["xlen_total"] / join_s, 1) if join_s > 0 else None,
            }
        out["from_process_start"] = {
            "seconds": round(from_start_s, 2),
            "orders_per_s": round(truth["xlen_total"] / from_start_s, 1),
        }
        out["from_first_publish"] = {
            "seconds": round(steady_s, 2),
            "orders_per_s": round((truth["xlen_total"] - 1) / steady_s, 1) if steady_s else None,
        }
        steady_cpu = [steady_usage[name]["cpu_s"] for name in names if name in steady_usage]
        if steady_cpu:
            out["worker_cpu_ms_per_order_steady"] = round(
                1000 * sum(steady_cpu) / max(1, truth["xlen_total"]), 3
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=20_000, help="preloaded webhooks")
    parser.add_argument("--shops", type=int, default=50)
    parser.add_argument("--partitions", type=int, default=4, help="PROOFSTREAM_TOPIC_PARTITIONS")
    parser.add_argument("--workers", type=int, default=1, help="worker processes, one group")
    parser.add_argument("--log-level", default="info", help="the worker's PROOFSTREAM_LOG_LEVEL")
    parser.add_argument("--budget", type=float, default=170.0, help="whole run, s")
    parser.add_argument("--wait-load", type=float, default=0.0, help="wait for loadavg below")
    parser.add_argument("--keep-logs", action="store_true")
    parser.add_argument(
        "--database", default=None, help="DATABASE_URL (default: a SQLite file of the run's own)"
    )
    args = parser.parse_args()

    quiet = wait_for_quiet(args.wait_load, 300) if args.wait_load else None
    t0 = now()
    deadline = t0 + args.budget - 10
    info = machine()
    args.shop_names = [f"bench-{uuid.uuid4().hex[:8]}.myshopify.com" for _ in range(args.shops)]
    envelopes, mean_body = generate(args.orders, args.shop_names)
    generate_s = now() - t0
    logs = Path(tempfile.mkdtemp(prefix="proofstream-worker-bench-"))
    broker: ManagedProcess | None = None
    ok = False
    try:
        with private_redis(logs) as (redis_proc, redis_url):
            args.redis_url = redis_url
            broker, bootstrap = start_broker(log_path=logs / "broker.log")
            env = stack_env(
                bootstrap=bootstrap,
                redis_url=redis_url,
                port=free_port(),
                log_level=args.log_level,
                logs=logs,
                database_url=args.database,
            )
            env["PROOFSTREAM_STREAM_MAXLEN"] = str(STREAM_MAXLEN)
            env["PROOFSTREAM_TOPIC_PARTITIONS"] = str(args.partitions)
            log(f"preloading {len(envelopes)} webhooks")
            loaded = asyncio.run(preload(bootstrap, args.partitions, envelopes))
            del envelopes
            log(f"starting {args.workers} worker process(es)")
            assert broker.pid is not None and redis_proc.pid is not None
            result = measure(
                args, env, logs, {"broker": broker.pid, "redis": redis_proc.pid}, deadline
            )
        ok = True
    finally:
        if broker is not None:
            broker.stop()
        if ok and not args.keep_logs:
            shutil.rmtree(logs, ignore_errors=True)
        else:
            log(f"logs in {logs}")
    steady = result.get("from_first_publish", {}).get("orders_per_s")
    per_process = round(steady / args.workers, 1) if steady else None
    report = {
        "bench": "worker",
        "machine": info,
        "config": {
            "env_overrides": env_overrides(),
            "orders": args.orders,
            "shops": args.shops,
            "partitions": args.partitions,
            "worker_log_level": args.log_level,
            "worker_processes": args.workers,
            "stream_maxlen": STREAM_MAXLEN,
            "redis": "private redis-server started by the bench",
            "database": args.database or "sqlite (a file of the run's own)",
        },
        "load_wait": quiet,
        "backlog": {"generate_s": round(generate_s, 2), "mean_body_bytes": mean_body, **loaded},
        **result,
        "targets": {
            "orders_per_s_per_worker": TARGET_ORDERS_PER_S,
            "orders_per_s_per_worker_measured": per_process,
            "met": bool(per_process and per_process >= TARGET_ORDERS_PER_S),
        },
        "wall_s": round(now() - t0, 1),
    }
    print(json.dumps(report, indent=2))
    usage = result.get("cpu_first_to_last_publish", {})
    cores = sum(
        entry.get("cpu_pct_of_one_core", 0.0)
        for name, entry in usage.items()
        if name.startswith("worker") and isinstance(entry, dict)
    )
    start = result.get("from_process_start", {})
    print(
        f"worker: {result['redis']['xlen_total']}/{args.orders} notifications in Redis, "
        f"{result['rows_recorded']} recorded (done {result['record_done_after_start_s']} s "
        "after start); "
        f"{steady} orders/s from first to last publish "
        f"({result.get('from_first_publish', {}).get('seconds')} s) by {args.workers} "
        f"process(es), {per_process} per process; {start.get('orders_per_s')} orders/s from "
        f"process start ({start.get('seconds')} s, first publish after "
        f"{result.get('startup_to_first_publish_s')} s); worker CPU {cores:.1f}% of a core, "
        f"{result.get('worker_cpu_ms_per_order_steady')} ms/order "
        f"[target >= {TARGET_ORDERS_PER_S:.0f}/s per process: "
        f"{'met' if report['targets']['met'] else 'NOT met'}]"
    )


if __name__ == "__main__":
    main()
