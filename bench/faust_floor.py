"""Faust's own cost per message on this machine, with no work in the agents: the floor
under `bench/worker.py`.

The same preload as the worker bench (`--orders` ~5 KB envelopes on a fresh Tansu broker),
then one child process per mode runs the worker's own Faust app (`streams.app.create_app`,
same transport, acks and commit settings, on uvloop) with a do-nothing agent:

- `consume`: one agent reads every raw webhook and drops it (one Kafka hop in);
- `hop`: one agent forwards every raw webhook to another topic, a second agent reads it
  there (a hop like the one between the orders and publish agents).

Each child times its agents from the first message to the last, with the process's CPU.

    .venv/bin/python -m bench.faust_floor [--orders 20000] [--modes consume hop]

Prints one JSON object, then a one-line summary as the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._report import machine
from bench.worker import generate, preload
from proofstream.services import free_port, start_broker
from streams.topics import RAW_WEBHOOKS

MODES = ("consume", "hop")


def child(mode: str, orders: int, bootstrap: str) -> None:
    """Run a do-nothing Faust worker until `orders` messages went through; print JSON."""
    import faust
    from mode.loop import use as use_loop

    use_loop("uvloop")  # as proofstream.worker does

    from proofstream.settings import Settings
    from streams.app import create_app

    settings = Settings(
        KAFKA_BOOTSTRAP_SERVERS=bootstrap,
        PROOFSTREAM_WORKER_ID=f"floor-{mode}",
        PROOFSTREAM_WORKER_WEB_PORT=free_port(),
    )
    app = create_app(settings)

    def topic(name: str) -> Any:
        return app.topic(name, key_type=str, key_serializer="raw", value_serializer="raw")

    raw, forwarded = topic(RAW_WEBHOOKS), topic("bench.floor.forwarded")
    seen = {"n": 0, "t0": 0.0, "cpu0": 0.0}

    def count() -> None:
        if seen["n"] == 0:
            seen["t0"], seen["cpu0"] = time.monotonic(), time.process_time()
        seen["n"] += 1
        if seen["n"] == orders:
            wall = time.monotonic() - seen["t0"]
            cpu = time.process_time() - seen["cpu0"]
            result = {
                "mode": mode,
                "messages": orders,
                "seconds": round(wall, 2),
                "messages_per_s": round((orders - 1) / wall, 1),
                "process_cpu_ms_per_message": round(1000 * cpu / orders, 3),
            }
            print(json.dumps(result), flush=True)
            os._exit(0)

    if mode == "consume":

        @app.agent(raw, name="floor-consume", concurrency=1)
        async def consume(stream: Any) -> None:
            async for _ in stream.events():
                count()

    else:

        @app.agent(raw, name="floor-forward", concurrency=1)
        async def forward(stream: Any) -> None:
            async for event in stream.events():
                await forwarded.send(key=event.key, value=event.value)

        @app.agent(forwarded, name="floor-read", concurrency=1)
        async def read(stream: Any) -> None:
            async for _ in stream.events():
                count()

    sys.argv = [sys.argv[0], "worker"]
    faust.Worker(app, loglevel="WARNING", quiet=True).execute_from_commandline()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=20_000, help="preloaded webhooks")
    parser.add_argument("--shops", type=int, default=50)
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--bootstrap", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.orders, args.bootstrap)
        return

    shops = [f"floor-{i}.myshopify.com" for i in range(args.shops)]
    envelopes, body_bytes = generate(args.orders, shops)
    logs = Path(tempfile.mkdtemp(prefix="proofstream-floor-"))
    broker, bootstrap = start_broker(log_path=logs / "broker.log")
    results: list[dict[str, Any]] = []
    try:
        loaded = asyncio.run(preload(bootstrap, 4, envelopes))
        for mode in args.modes:
            print(f"faust-floor: {mode}", file=sys.stderr, flush=True)
            done = subprocess.run(
                [sys.executable, "-m", "bench.faust_floor", "--child", mode]
                + ["--orders", str(args.orders), "--bootstrap", bootstrap],
                capture_output=True,
                text=True,
                timeout=170,
                check=False,
            )
            # Faust's worker sends stdout through its logging (to stderr, with a prefix).
            found = re.search(r'\{"mode": .*\}', done.stdout + done.stderr)
            if found is None:
                raise SystemExit(f"{mode} printed no result:\n{done.stderr[-2000:]}")
            results.append(json.loads(found.group()))
    finally:
        broker.stop()
    print(
        json.dumps(
            {
                "machine": machine(),
                "mean_body_bytes": body_bytes,
                "preload": loaded,
                "modes": results,
            },
            indent=2,
        )
    )
    print(
        "faust floor: "
        + "; ".join(
            f"{r['mode']} {r['messages_per_s']:.0f} msg/s, "
            f"{r['process_cpu_ms_per_message']} ms CPU/msg"
            for r in results
        )
        + " (no work in the agents)"
    )


if __name__ == "__main__":
    main()
