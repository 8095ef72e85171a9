"""Start the real stack for a benchmark, and run the bench client.

`bench_stack` starts the broker, Redis, gateways and workers on loopback and stops
whatever it started, in reverse order. The request helpers (`bench/_http.py`), the report
helpers (`bench/_report.py`) and the process measurements (`bench/_procs.py`) live beside
it; the names benches import from here are re-exported below.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Coroutine, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from bench._http import ConnectionPool, build_request, outcome, shares
from bench._procs import CpuSet
from bench._report import env_overrides, machine, percentiles
from proofstream.services import (
    ManagedProcess,
    free_port,
    start_broker,
    start_component,
    start_redis,
    wait_for_http,
)

__all__ = [
    "SECRET",
    "BenchStack",
    "bench_stack",
    "run",
    "stack_cpu",
    "stack_env",
    # Re-exported: benches written against this module import them from here.
    "ConnectionPool",
    "build_request",
    "env_overrides",
    "machine",
    "outcome",
    "percentiles",
    "shares",
]

SECRET = "bench-app-secret-0123456789abcdef"  # noqa: S105 - a throw-away local secret
T = TypeVar("T")


@dataclass(frozen=True)
class BenchStack:
    """What a benchmark needs of the running stack."""

    url: str
    host: str
    port: int
    secret: str
    bootstrap: str
    redis_url: str
    logs_dir: Path
    processes: dict[str, ManagedProcess] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)  # the first gateway's and worker's
    envs: dict[str, dict[str, str]] = field(default_factory=dict)  # each process's

    @property
    def webhook_url(self) -> str:
        return f"{self.url}/webhooks/shopify"

    @property
    def urls(self) -> list[str]:
        """Every gateway's URL."""
        return [
            f"http://127.0.0.1:{env['PROOFSTREAM_GATEWAY_PORT']}"
            for name, env in self.envs.items()
            if name.startswith("gateway")
        ]

    def metrics_url(self, worker: str = "worker") -> str:
        return f"http://127.0.0.1:{self.envs[worker]['PROOFSTREAM_WORKER_METRICS_PORT']}/metrics"

    def pids(self) -> dict[str, int]:
        return {name: p.pid for name, p in self.processes.items() if p.pid is not None}

    async def restart(self, name: str, *, timeout_s: float = 30.0) -> int | None:
        """A deploy's restart of one process: SIGTERM (SIGKILL after `timeout_s`), awaited
        in a thread, then the same command with the same environment, logging on to the
        same file, started from the caller's thread (a child's death signal follows the
        thread that started it). Returns the old one's exit code."""
        process = self.processes[name]
        code = await asyncio.to_thread(process.stop, timeout_s=timeout_s)
        process.start()
        return code


def stack_env(
    *,
    bootstrap: str,
    redis_url: str,
    port: int,
    log_level: str,
    logs: Path,
    database_url: str | None = None,
) -> dict[str, str]:
    """The environment of a bench gateway or worker: this process's, plus the stack's
    broker, Redis and database, and ports of its own."""
    return {
        **os.environ,
        # The database (shops, sessions, the notification record): a throw-away SQLite
        # file unless given; and a fresh Fernet key (32 random bytes, url-safe base64) for
        # the tokens the gateway would encrypt.
        "DATABASE_URL": database_url or f"sqlite+aiosqlite:///{logs / 'proofstream.db'}",
        "PROOFSTREAM_TOKEN_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "REDIS_URL": redis_url,
        "SHOPIFY_API_SECRET": SECRET,
        "PROOFSTREAM_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "PROOFSTREAM_GATEWAY_HOST": "127.0.0.1",
        "PROOFSTREAM_GATEWAY_PORT": str(port),
        "PROOFSTREAM_WORKER_WEB_PORT": str(free_port()),
        "PROOFSTREAM_WORKER_METRICS_PORT": str(free_port()),
        "PROOFSTREAM_WORKER_METRICS_HOST": "127.0.0.1",
        "PROOFSTREAM_WORKER_ID": f"proofstream-bench-{uuid.uuid4().hex[:8]}",
        "PROOFSTREAM_LOG_LEVEL": log_level,
        # Bench shops never install the app: dev mode lets their storefronts stream (on
        # loopback only; an installed shop's gate is the same one Redis read).
        "PROOFSTREAM_DEV_MODE": "true",
        # Every bench client comes from 127.0.0.1, thousands of them for one shop.
        "PROOFSTREAM_SSE_MAX_PER_CLIENT": "1000000",
        "PROOFSTREAM_SSE_MAX_PER_SHOP": "1000000",
    }


@contextlib.contextmanager
def bench_stack(
    *,
    worker: bool,
    log_level: str = "info",
    keep_logs: bool = False,
    redis_url: str | None = None,
    database_url: str | None = None,
    worker_module: Sequence[str] = ("proofstream", "worker"),
    gateways: int = 1,
    workers: int = 1,
    settings: Mapping[str, str] | None = None,
    bootstrap: str | None = None,
) -> Iterator[BenchStack]:
    """Broker (Tansu, fresh; or the caller's Kafka at `bootstrap`, whose topics the run
    shares: its consumer group is new), a redis-server of its own (or the caller's `redis_url`),
    `gateways` gateways and, when `worker`, `workers` Faust workers in one consumer group
    (`python -m` + `worker_module`: a peer may stand in): all real processes, on
    `database_url` or a SQLite file of their own, with `settings` (environment variables)
    on top of the bench's. Processes are named `gateway`, `gateway-2`…, `worker`,
    `worker-2`…; each has its own ports. Yields once every gateway is ready (the workers'
    group join is the caller's business: send a warm-up order).

    Never the machine's shared Redis: a run leaves ~100,000 dedupe keys with a 72 h TTL,
    and enough of them slowed every SCAN there (the test suite's included).

    Logs go to a temporary folder, removed after a clean run unless `keep_logs`."""
    logs = Path(tempfile.mkdtemp(prefix="proofstream-bench-"))
    started: list[ManagedProcess] = []
    processes: dict[str, ManagedProcess] = {}
    try:
        if bootstrap is None:
            broker, bootstrap = start_broker(log_path=logs / "broker.log")
            started.append(broker)
            processes["broker"] = broker
        if redis_url is None:
            redis_proc, redis_url = start_redis(log_path=logs / "redis.log")
            started.append(redis_proc)
            processes["redis"] = redis_proc
        ports = [free_port() for _ in range(gateways)]
        env = stack_env(
            bootstrap=bootstrap,
            redis_url=redis_url,
            port=ports[0],
            log_level=log_level,
            logs=logs,
            database_url=database_url,
        ) | dict(settings or {})
        envs: dict[str, dict[str, str]] = {}
        for n, port in enumerate(ports, start=1):
            name = "gateway" if n == 1 else f"gateway-{n}"
            envs[name] = env | {
                "PROOFSTREAM_GATEWAY_PORT": str(port),
                "PROOFSTREAM_PUBLIC_URL": f"http://127.0.0.1:{port}",
            }
            processes[name] = start_component("gateway", name=name, env=envs[name], logs=logs)
            started.append(processes[name])
        for n in range(1, workers + 1 if worker else 1):
            name = "worker" if n == 1 else f"worker-{n}"
            envs[name] = env | (
                {}
                if n == 1
                else {
                    "PROOFSTREAM_WORKER_WEB_PORT": str(free_port()),
                    "PROOFSTREAM_WORKER_METRICS_PORT": str(free_port()),
                }
            )
            module, *argv = worker_module
            processes[name] = start_component(
                *argv, name=name, env=envs[name], logs=logs, module=module
            )
            started.append(processes[name])
        for port, name in zip(ports, envs, strict=False):
            wait_for_http(f"http://127.0.0.1:{port}/readyz", process=processes[name], timeout_s=60)
        yield BenchStack(
            url=f"http://127.0.0.1:{ports[0]}",
            host="127.0.0.1",
            port=ports[0],
            secret=SECRET,
            bootstrap=bootstrap,
            redis_url=redis_url,
            logs_dir=logs,
            processes=processes,
            env=env,
            envs=envs,
        )
    except BaseException:
        print(f"bench: logs kept in {logs}", file=sys.stderr)  # noqa: T201
        raise
    finally:
        for process in reversed(started):
            process.stop()
    if keep_logs:
        print(f"bench: logs in {logs}", file=sys.stderr)  # noqa: T201
    else:
        shutil.rmtree(logs, ignore_errors=True)


def stack_cpu(stack: BenchStack) -> CpuSet:
    """CPU of every stack process (and the main threads of the gateway and the worker), of
    this bench client and of the machine, between start() and stop()."""
    return CpuSet(stack.pids(), own="bench_client", main_threads=("gateway", "worker"))


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run the bench client on uvloop when available (it is, via uvicorn[standard])."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)
