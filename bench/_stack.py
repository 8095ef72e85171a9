"""Shared benchmark helpers: start the real stack, pre-build signed requests, a minimal
HTTP/1.1 keep-alive client on raw asyncio streams, and CPU accounting from /proc.

Everything runs on loopback; `bench_stack` stops whatever it started, in reverse order.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import contextlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Coroutine, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import orjson

from proofstream.services import (
    ManagedProcess,
    free_port,
    start_broker,
    start_component,
    start_redis,
    wait_for_http,
)
from simulator.orders import OrderFactory
from simulator.webhooks import headers as shopify_headers

__all__ = [
    "SECRET",
    "BenchStack",
    "ConnectionPool",
    "CpuSample",
    "HttpConnection",
    "bench_stack",
    "build_request",
    "cpu_seconds",
    "env_overrides",
    "generate_orders",
    "outcome",
    "histogram",
    "histogram_delta",
    "machine",
    "percentiles",
    "run",
    "shares",
    "system_cpu",
]

SECRET = "bench-app-secret-0123456789abcdef"  # noqa: S105 - a throw-away local secret
_TICK = os.sysconf("SC_CLK_TCK")
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


def _env(
    *,
    bootstrap: str,
    redis_url: str,
    port: int,
    log_level: str,
    logs: Path,
    database_url: str | None = None,
) -> dict[str, str]:
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
) -> Iterator[BenchStack]:
    """Broker (Tansu, fresh), a redis-server of its own (or the caller's `redis_url`),
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
        broker, bootstrap = start_broker(log_path=logs / "broker.log")
        started.append(broker)
        processes["broker"] = broker
        if redis_url is None:
            redis_proc, redis_url = start_redis(log_path=logs / "redis.log")
            started.append(redis_proc)
            processes["redis"] = redis_proc
        ports = [free_port() for _ in range(gateways)]
        env = _env(
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


# -- requests ---------------------------------------------------------------------------------


def build_request(
    *, host: str, port: int, path: str, body: bytes, secret: str, shop: str, topic: str
) -> bytes:
    """One complete HTTP/1.1 keep-alive POST, signed like Shopify signs it."""
    head = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(body)}"]
    for name, value in shopify_headers(secret=secret, body=body, topic=topic, shop=shop).items():
        head.append(f"{name}: {value}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("utf-8") + body


class HttpConnection:
    """A minimal HTTP/1.1 keep-alive client connection on asyncio streams: one request at a
    time, responses with Content-Length (all the gateway's JSON answers have one)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, host: str, port: int) -> HttpConnection:
        reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
        return cls(reader, writer)

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        """Send a pre-built request; returns (status, body)."""
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
                break
        body = await self.reader.readexactly(length) if length else b""
        return status, body

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()


class ConnectionPool:
    """`size` keep-alive connections to the gateway, handed out one request at a time.

    Uvicorn closes connections idle for 5 s: `refresh()` right before a timed phase."""

    def __init__(self, host: str, port: int, size: int) -> None:
        self.host, self.port, self.size = host, port, size
        self.idle: asyncio.Queue[HttpConnection] = asyncio.Queue()

    async def start(self) -> None:
        for _ in range(self.size):
            self.idle.put_nowait(await HttpConnection.open(self.host, self.port))

    async def refresh(self) -> None:
        await self.close()
        await self.start()

    async def send(self, raw: bytes) -> tuple[int, bytes]:
        """One pre-built request; returns status and body. A failed connection is replaced."""
        conn = await self.idle.get()
        try:
            status, body = await conn.request(raw)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            await conn.close()
            self.idle.put_nowait(await HttpConnection.open(self.host, self.port))
            raise
        self.idle.put_nowait(conn)
        return status, body

    async def close(self) -> None:
        while not self.idle.empty():
            await self.idle.get_nowait().close()


def outcome(status: int, body: bytes) -> str:
    """`200:accepted`, `200:duplicate`, `503`...: a 200 alone does not mean produced (the
    gateway also answers 200 to duplicates and ignored topics)."""
    if status != 200:
        return str(status)
    try:
        return f"200:{orjson.loads(body).get('status')}"
    except (orjson.JSONDecodeError, AttributeError):
        return "200:?"


def _generate(job: tuple[str, int, str, list[str], int]) -> tuple[list[bytes], int]:
    host, port, secret, shops, count = job
    factories = [OrderFactory(shop=shop) for shop in shops]  # unseeded: fresh order ids
    out, size = [], 0
    for i in range(count):
        factory = factories[i % len(factories)]
        body = factory.body(factory.order())
        size += len(body)
        out.append(
            build_request(
                host=host,
                port=port,
                path="/webhooks/shopify",
                body=body,
                secret=secret,
                shop=factory.shop,
                topic="orders/create",
            )
        )
    return out, size


def shares(total: int, parts: int) -> list[int]:
    """`total` split into `parts` counts that differ by at most one (the first get more)."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def generate_orders(
    stack: BenchStack, count: int, *, shops: int, processes: int = 2
) -> tuple[list[bytes], int]:
    """`count` distinct signed `orders/create` requests over `shops` fresh shops (each
    process its own shops, so order ids never collide); returns them and the mean body size.
    Call before any event loop runs (it forks)."""
    per = shares(count, processes)
    names = [f"bench-{uuid.uuid4().hex[:8]}.myshopify.com" for _ in range(max(shops, processes))]
    jobs = [
        (stack.host, stack.port, stack.secret, names[i::processes], n) for i, n in enumerate(per)
    ]
    with concurrent.futures.ProcessPoolExecutor(processes) as pool:
        results = list(pool.map(_generate, jobs))
    requests = [r for chunk, _ in results for r in chunk]
    total = sum(size for _, size in results)
    return requests, round(total / max(1, count))


# -- measurement ------------------------------------------------------------------------------


def histogram(url: str, name: str, label: str = "") -> dict[str, float]:
    """The cumulative buckets of one Prometheus histogram at `url` (`le` -> count), of the
    series whose labels contain `label` (e.g. 'stage="publish"')."""
    import httpx

    try:
        text = httpx.get(url, timeout=5).text
    except httpx.HTTPError:
        return {}
    out: dict[str, float] = {}
    prefix = f"{name}_bucket{{"
    for line in text.splitlines():
        if line.startswith(prefix) and label in line:
            labels, _, value = line.rpartition(" ")
            le = labels.split('le="', 1)[1].split('"', 1)[0]
            out[le] = float(value)
    return out


def histogram_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, Any]:
    """Share of observations at or under each bound between two scrapes."""
    total = after.get("+Inf", 0.0) - before.get("+Inf", 0.0)
    if total <= 0:
        return {"count": 0}
    at_or_under = {
        f"le_{le}s": round((after[le] - before.get(le, 0.0)) / total, 4)
        for le in after
        if le != "+Inf"
    }
    return {"count": int(total), "share_at_or_under": at_or_under}


def percentiles(values: Sequence[float], points: Sequence[int] = (50, 90, 99)) -> dict[str, Any]:
    """Nearest-rank percentiles and max, rounded to 0.01 ms (values in ms)."""
    if not values:
        return {f"p{p}": None for p in points} | {"max": None, "mean": None}
    ordered = sorted(values)
    n = len(ordered)
    out: dict[str, Any] = {}
    for p in points:
        rank = max(1, -(-p * n // 100))  # ceil(p*n/100)
        out[f"p{p}"] = round(ordered[rank - 1], 2)
    out["max"] = round(ordered[-1], 2)
    out["mean"] = round(sum(ordered) / n, 2)
    return out


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process (all threads), from /proc/<pid>/stat."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def schedstat(pid: int) -> tuple[float, float] | None:
    """(on-CPU s, run-queue wait s) of a process's main thread: how busy its event loop
    was, and how long it was runnable but waiting for a CPU (a busy machine)."""
    try:
        on_cpu, wait, _ = Path(f"/proc/{pid}/task/{pid}/schedstat").read_text().split()
    except (OSError, ValueError):
        return None
    return int(on_cpu) / 1e9, int(wait) / 1e9


def all_processes_cpu() -> dict[int, tuple[str, float]]:
    """pid -> (command, cpu seconds) for every process we can read."""
    out: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        name = cmd.strip()[:90] or stat.split("(", 1)[1].rsplit(")", 1)[0]
        out[int(entry.name)] = (name, (int(fields[11]) + int(fields[12])) / _TICK)
    return out


def system_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    parts = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = parts[3] + parts[4]
    total = sum(parts[:8])
    return total - idle, total


@dataclass
class CpuSample:
    """CPU of every stack process, this process and the machine, between start() and stop()."""

    stack: BenchStack
    wall: float = 0.0
    start_proc: dict[str, float | None] = field(default_factory=dict)
    start_sched: dict[str, tuple[float, float] | None] = field(default_factory=dict)
    start_self: float = 0.0
    start_sys: tuple[float, float] = (0.0, 0.0)
    start_all: dict[int, tuple[str, float]] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=dict)

    def start(self) -> None:
        self.start_proc = {n: cpu_seconds(pid) for n, pid in self.stack.pids().items()}
        self.start_sched = {n: schedstat(pid) for n, pid in self.stack.pids().items()}
        self.start_self = time.process_time()
        self.start_sys = system_cpu()
        self.start_all = all_processes_cpu()
        self.wall = time.monotonic()

    def stop(self) -> dict[str, Any]:
        wall = time.monotonic() - self.wall
        out: dict[str, Any] = {"wall_s": round(wall, 3)}
        for name, pid in self.stack.pids().items():
            before, after = self.start_proc.get(name), cpu_seconds(pid)
            if before is not None and after is not None:
                used = after - before
                out[name] = {"cpu_s": round(used, 2), "cpu_pct_of_one_core": _pct(used, wall)}
                sched0, sched1 = self.start_sched.get(name), schedstat(pid)
                if sched0 is not None and sched1 is not None and name in ("gateway", "worker"):
                    out[name]["main_thread_on_cpu_pct"] = _pct(sched1[0] - sched0[0], wall)
                    out[name]["main_thread_runq_wait_pct"] = _pct(sched1[1] - sched0[1], wall)
        used_self = time.process_time() - self.start_self
        out["bench_client"] = {
            "cpu_s": round(used_self, 2),
            "cpu_pct_of_one_core": _pct(used_self, wall),
        }
        busy0, total0 = self.start_sys
        busy1, total1 = system_cpu()
        if total1 > total0:
            out["machine_busy_pct_all_cores"] = round(100 * (busy1 - busy0) / (total1 - total0), 1)
        # Anything else that used CPU meanwhile (other people's tests on a shared machine).
        ours = {*self.stack.pids().values(), os.getpid()}
        others: list[tuple[float, int, str]] = []
        for pid, (name, after_s) in all_processes_cpu().items():
            if pid in ours:
                continue
            used = after_s - self.start_all.get(pid, (name, 0.0))[1]
            if used >= 0.05 * wall:  # 5 % of a core or more
                others.append((_pct(used, wall), pid, name))
        others.sort(reverse=True)
        out["other_processes"] = [
            {"pid": pid, "cmd": name, "cpu_pct_of_one_core": pct} for pct, pid, name in others[:6]
        ]
        if "machine_busy_pct_all_cores" in out:
            listed = sum(
                v["cpu_pct_of_one_core"] for v in out.values() if isinstance(v, dict)
            ) + sum(pct for pct, _, _ in others)
            busy = out["machine_busy_pct_all_cores"] * (os.cpu_count() or 1)
            # Kernel work (loopback TCP, softirqs) and processes that came and went.
            out["unattributed_pct_of_one_core"] = round(busy - listed, 1)
        self.result = out
        return out


def _pct(used: float, wall: float) -> float:
    return round(100 * used / wall, 1) if wall > 0 else 0.0


def env_overrides() -> dict[str, str]:
    """Settings and experiment switches taken from this environment (empty: defaults)."""
    return {
        k: v
        for k, v in sorted(os.environ.items())
        if k.startswith(("PROOFSTREAM_", "PSBENCH_")) or k == "PYTHONPATH"
    }


def machine() -> dict[str, Any]:
    """Date, CPU, memory, Python: for the results table."""
    model = ""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        for line in subprocess.run(
            ["lscpu"],  # noqa: S607 - a diagnostic, from PATH
            capture_output=True,
            text=True,
            check=False,
            timeout=5,
        ).stdout.splitlines():
            if line.startswith("Model name"):
                model = line.split(":", 1)[1].strip()
    mem_total = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_total = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return {
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "mem_total": mem_total,
        "python": platform.python_version(),
        "loadavg_at_start": list(os.getloadavg()),
        "python_loop_ms": python_loop_ms(),
    }


def python_loop_ms(iterations: int = 2_000_000) -> float:
    """Best of three timings of a fixed pure-Python loop: a yardstick for comparing runs
    made on different machines that `lscpu` names alike ("AMD EPYC" VMs here are not
    equally fast: the worker bench gave ~500 orders/s on one and ~270/s on another)."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(iterations):
            total += i
        best = min(best, time.perf_counter() - started)
    return round(1000 * best, 1)


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run the bench client on uvloop when available (it is, via uvicorn[standard])."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)
