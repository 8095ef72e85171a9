"""The embedded broker as its log grows: what one fetch costs Tansu (memory storage) with
5,000, 10,000 … single-record batches in a partition.

The gateway produces each webhook as a batch of its own (acks=all, no linger), and so does
the worker for each notification; Tansu keeps them all in memory (it has no retention and
no DeleteRecords). After each step of `--step` such batches (~1 KB each) into one
partition, a consumer fetches the partition's last record `--fetches` times; the step's
broker CPU per fetch (utime + stime, /proc) and wall time per fetch are compared with the
first step's, the floor of the same run.

    .venv/bin/python -m bench.broker_log [--steps 6] [--step 5000] [--fetches 50]

Prints one JSON object, then a one-line summary as the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from bench._procs import cpu_seconds
from bench._report import machine
from proofstream.services import start_broker

TOPIC = "bench.broker-log"


async def measure(
    bootstrap: str, broker_pid: int, *, steps: int, step: int, fetches: int
) -> list[dict[str, Any]]:
    """Per step: the log's length, produce rate, and wall and broker CPU per tail fetch."""
    partition = TopicPartition(TOPIC, 0)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await producer.start()
    await consumer.start()
    rows: list[dict[str, Any]] = []
    try:
        length = 0
        for _ in range(steps):
            started = time.perf_counter()
            for _ in range(step):  # one batch per record, awaited in turn as the gateway does
                await producer.send_and_wait(TOPIC, b"x" * 1000, partition=0)
            produce_s = time.perf_counter() - started
            length += step
            consumer.assign([partition])
            cpu_before, started = cpu_seconds(broker_pid) or 0.0, time.perf_counter()
            for _ in range(fetches):
                consumer.seek(partition, length - 1)
                await consumer.getone(partition)
            wall_s = time.perf_counter() - started
            cpu_s = (cpu_seconds(broker_pid) or 0.0) - cpu_before
            row = {
                "batches_in_partition": length,
                "produced_per_s": round(step / produce_s),
                "fetch_ms": round(1000 * wall_s / fetches, 2),
                "broker_cpu_ms_per_fetch": round(1000 * cpu_s / fetches, 2),
            }
            rows.append(row)
            print(f"broker_log: {row}", file=sys.stderr, flush=True)
    finally:
        await consumer.stop()
        await producer.stop()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=6, help="steps (6)")
    parser.add_argument("--step", type=int, default=5000, help="batches per step (5,000)")
    parser.add_argument("--fetches", type=int, default=50, help="tail fetches per step (50)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="proofstream-bench-") as folder:
        broker, bootstrap = start_broker(log_path=Path(folder) / "broker.log")
        assert broker.pid is not None  # started
        try:
            rows = asyncio.run(
                measure(
                    bootstrap,
                    broker.pid,
                    steps=args.steps,
                    step=args.step,
                    fetches=args.fetches,
                )
            )
        finally:
            broker.stop()
    first, last = rows[0], rows[-1]
    growth = round(last["broker_cpu_ms_per_fetch"] / max(first["broker_cpu_ms_per_fetch"], 0.01), 1)
    report: dict[str, Any] = {
        "bench": "broker_log",
        "machine": machine(),
        "parameters": vars(args),
        "results": {
            "steps": rows,
            "cpu_per_fetch_growth": growth,
        },
    }
    print(json.dumps(report, indent=2))
    print(
        f"broker_log: Tansu fetch of the tail {first['fetch_ms']} ms, broker CPU "
        f"{first['broker_cpu_ms_per_fetch']} ms at {first['batches_in_partition']:,} batches; "
        f"{last['fetch_ms']} ms, CPU {last['broker_cpu_ms_per_fetch']} ms at "
        f"{last['batches_in_partition']:,} (×{growth} "
        "CPU per fetch)"
    )


if __name__ == "__main__":
    main()
