"""A load-generating SSE client process: thousands of raw-socket HTTP/1.1 EventSource
connections on uvloop, driven by a coordinator over JSON lines on stdin/stdout.

One process holds many connections (asyncio protocols, no per-connection task). Every
`data:` line whose JSON starts with `{"seq":` is a measured broadcast: it carries the
publisher's `t` (`time.perf_counter()`, CLOCK_MONOTONIC, the same clock in every process
of the machine), so latency = arrival - t without a clock offset.

Connections opened with `"track": true` also read the real pipeline's notifications of
bench/soak.py's orders (bench/_sse_soak.py says how).

Commands (one JSON object per line; every command gets one JSON line back):

    {"op": "open", "host", "port", "paths": [...], "n", "concurrency", "ready": "event"|"headers",
     "timeout_s", "src_ips": [...], "track"}
                                        open n connections (round-robin over paths), each
                                        waiting for readiness: `event: ready` or 200 headers
    {"op": "reset"}                      forget delivery statistics
    {"op": "stats"}                      delivery statistics since the last reset
    {"op": "count"}                      deliveries since the last reset, held, lost, and
                                        notifications received by tracked connections
    {"op": "window", "label", "from_seq"} seqs from `from_seq` on are in window `label`
    {"op": "soak", "expected": {path: [seq, ...]}}
                                        per-window latency histograms, longest silence, and
                                        over held tracked connections: expected seqs never
                                        received (lost), repeats, seqs not expected
    {"op": "close", "mode": "fin"|"rst"} close every held connection
    {"op": "churn", ...open fields..., "cycles", "rst_every", "deadline_s"}
                                        connect, wait for readiness, close; repeat
    {"op": "quit"}

    python -m bench._sse_clients        (started by bench/fanout/ and bench/soak.py)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import struct
import sys
import time
from array import array
from collections import Counter
from typing import Any, cast

import orjson

from bench._procs import raise_nofile
from bench._sse_soak import Soak

now = time.perf_counter
IP_BIND_ADDRESS_NO_PORT = 24  # Linux: pick the source port at connect() (4-tuple aware)
LINGER_RST = struct.pack("ii", 1, 0)
MARK = b'data: {"seq":'


class Stats:
    """Deliveries since the last reset: per broadcast seq and a latency histogram."""

    def __init__(self) -> None:
        self.count: dict[int, int] = {}
        self.max_lat: dict[int, float] = {}
        self.last_at: dict[int, float] = {}
        self.hist: Counter[int] = Counter()  # latency in 0.1 ms bins
        self.total = 0
        self.bad = 0

    def seen(self, seq: int, sent: float, at: float) -> None:
        lat = at - sent
        self.total += 1
        if seq in self.count:
            self.count[seq] += 1
            if lat > self.max_lat[seq]:
                self.max_lat[seq] = lat
                self.last_at[seq] = at
        else:
            self.count[seq] = 1
            self.max_lat[seq] = lat
            self.last_at[seq] = at
        self.hist[int(lat * 10_000)] += 1

    def report(self) -> dict[str, Any]:
        return {
            "per_seq": {
                str(s): [c, self.max_lat[s], self.last_at[s]] for s, c in self.count.items()
            },
            "hist": {str(k): v for k, v in self.hist.items()},
            "total": self.total,
            "bad": self.bad,
        }


class Pool:
    def __init__(self) -> None:
        self.stats = Stats()
        self.soak = Soak()
        self.track = False  # new connections keep the soak seqs they receive
        self.held: set[Conn] = set()
        self.lost = 0  # held connections the server closed


class Conn(asyncio.Protocol):
    __slots__ = (
        "buf",
        "head",
        "marker",
        "pool",
        "ready",
        "request",
        "seqs",
        "transport",
        "closing",
    )

    def __init__(self, pool: Pool, request: bytes, marker: bytes | None) -> None:
        self.pool = pool
        self.request = request
        self.marker = marker  # None: ready at the 200 response head
        # Soak seqs received, 4 bytes each (2,000 connections x 1,200 orders: ~10 MB).
        self.seqs: array[int] | None = array("I") if pool.track else None
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.head = b""
        self.buf = b""
        self.transport: asyncio.Transport | None = None
        self.closing = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses: a cast, not a check.
        self.transport = cast(asyncio.Transport, transport)
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        if not self.ready.done():
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            if not self.head.startswith((b"HTTP/1.1 200", b"HTTP/1.0 200")):
                status = self.head[:12].decode(errors="replace")
                self.ready.set_exception(ConnectionError(f"answered {status}"))
                return
            if self.marker is None:
                rest = self.head[end + 4 :]
                self.ready.set_result(None)
            else:
                found = self.head.find(self.marker, end)
                if found < 0:
                    return
                stop = self.head.find(b"\n\n", found)
                stop2 = self.head.find(b"\r\n\r\n", found)
                cut = min(x for x in (stop, stop2, len(self.head)) if x >= 0)
                rest = self.head[cut:]
                self.ready.set_result(None)
            self.head = b""
            if not rest:
                return
            data = rest
        buf = self.buf + data if self.buf else data
        end = buf.rfind(b"\n")
        if end < 0:
            self.buf = buf
            return
        self.buf = buf[end + 1 :]
        if self.seqs is not None:
            self.pool.soak.read(self.seqs, buf, end)
        pos = buf.find(MARK, 0, end)
        if pos < 0:
            return
        at = now()
        stats = self.pool.stats
        while pos >= 0:
            nl = buf.find(b"\n", pos)
            try:
                msg = orjson.loads(buf[pos + 6 : nl].rstrip(b"\r"))
                stats.seen(msg["seq"], msg["t"], at)
            except (orjson.JSONDecodeError, KeyError, TypeError):
                stats.bad += 1
            pos = buf.find(MARK, nl, end)

    @property
    def path(self) -> str:
        return self.request.split(b" ", 2)[1].decode()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(f"closed before ready: {exc}"))
        elif self in self.pool.held:
            self.pool.held.discard(self)
            if not self.closing:
                self.pool.lost += 1

    def close(self, *, rst: bool) -> None:
        self.closing = True
        if self.transport is None:
            return
        if rst:
            sock = self.transport.get_extra_info("socket")
            with contextlib.suppress(OSError, AttributeError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
            self.transport.abort()
        else:
            self.transport.close()


def _request(host: str, port: int, path: str) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n"
        "Cache-Control: no-cache\r\nUser-Agent: proofstream-bench\r\n\r\n"
    ).encode()


async def _connect(
    pool: Pool, host: str, port: int, request: bytes, marker: bytes | None, src: str, timeout: float
) -> Conn:
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
        sock.bind((src, 0))
        async with asyncio.timeout(timeout):
            await loop.sock_connect(sock, (host, port))
            _, conn = await loop.create_connection(lambda: Conn(pool, request, marker), sock=sock)
            try:
                await conn.ready
            except BaseException:
                conn.close(rst=True)
                raise
    except BaseException:
        sock.close()
        raise
    return conn


class Client:
    def __init__(self) -> None:
        self.pool = Pool()

    def _target(self, cmd: dict[str, Any]) -> tuple[list[bytes], bytes | None, list[str]]:
        host, port = cmd["host"], int(cmd["port"])
        requests = [_request(host, port, p) for p in cmd["paths"]]
        marker = b"event: ready" if cmd.get("ready", "event") == "event" else None
        return requests, marker, cmd.get("src_ips") or ["127.0.0.1"]

    async def open(self, cmd: dict[str, Any]) -> dict[str, Any]:
        requests, marker, srcs = self._target(cmd)
        self.pool.track = bool(cmd.get("track"))
        n, limit = int(cmd["n"]), asyncio.Semaphore(int(cmd.get("concurrency", 200)))
        errors: Counter[str] = Counter()
        started = now()

        async def one(i: int) -> None:
            async with limit:
                try:
                    conn = await _connect(
                        self.pool,
                        cmd["host"],
                        int(cmd["port"]),
                        requests[i % len(requests)],
                        marker,
                        srcs[i % len(srcs)],
                        float(cmd.get("timeout_s", 20)),
                    )
                except (OSError, TimeoutError, ConnectionError) as exc:
                    errors[f"{type(exc).__name__}: {str(exc)[:60]}"] += 1
                    return
                self.pool.held.add(conn)

        await asyncio.gather(*(one(i) for i in range(n)))
        return {
            "held": len(self.pool.held),
            "failed": sum(errors.values()),
            "errors": dict(errors.most_common(5)),
            "elapsed_s": round(now() - started, 3),
        }

    async def close(self, cmd: dict[str, Any]) -> dict[str, Any]:
        rst = cmd.get("mode") == "rst"
        held = list(self.pool.held)
        self.pool.held.clear()
        for conn in held:
            conn.close(rst=rst)
        await asyncio.sleep(0.2)
        return {"closed": len(held)}

    async def churn(self, cmd: dict[str, Any]) -> dict[str, Any]:
        requests, marker, srcs = self._target(cmd)
        cycles, every = int(cmd["cycles"]), int(cmd.get("rst_every", 3))
        deadline = now() + float(cmd["deadline_s"])
        timeout = float(cmd.get("timeout_s", 10))
        counts: Counter[str] = Counter()
        errors: Counter[str] = Counter()
        started = now()
        issued = 0
        pool = Pool()  # churn connections are never "held"

        async def worker() -> None:
            nonlocal issued
            while issued < cycles and now() < deadline:
                i = issued
                issued += 1
                try:
                    conn = await _connect(
                        pool,
                        cmd["host"],
                        int(cmd["port"]),
                        requests[i % len(requests)],
                        marker,
                        srcs[i % len(srcs)],
                        timeout,
                    )
                except (OSError, TimeoutError, ConnectionError) as exc:
                    errors[f"{type(exc).__name__}: {str(exc)[:60]}"] += 1
                    continue
                rst = every > 0 and i % every == every - 1
                conn.close(rst=rst)
                counts["rst" if rst else "fin"] += 1

        await asyncio.gather(*(worker() for _ in range(int(cmd.get("concurrency", 64)))))
        elapsed = now() - started
        done = counts["rst"] + counts["fin"]
        return {
            "cycles_done": done,
            "cycles_attempted": issued,
            "closed_with_rst": counts["rst"],
            "closed_with_fin": counts["fin"],
            "failed": sum(errors.values()),
            "errors": dict(errors.most_common(5)),
            "elapsed_s": round(elapsed, 3),
            "cycles_per_s": round(done / elapsed, 1) if elapsed > 0 else None,
            "hit_deadline": issued < cycles,
        }

    async def handle(self, cmd: dict[str, Any]) -> dict[str, Any]:
        op = cmd["op"]
        if op == "open":
            return await self.open(cmd)
        if op == "reset":
            self.pool.stats = Stats()
            return {"ok": True}
        if op == "stats":
            out = self.pool.stats.report()
            out["held"] = len(self.pool.held)
            out["lost"] = self.pool.lost
            return out
        if op == "close":
            return await self.close(cmd)
        if op == "churn":
            return await self.churn(cmd)
        if op == "count":
            return {
                "total": self.pool.stats.total,
                "held": len(self.pool.held),
                "lost": self.pool.lost,
                "notifications": self.pool.soak.total,
            }
        if op == "window":
            self.pool.soak.window(str(cmd["label"]), int(cmd["from_seq"]))
            return {"ok": True}
        if op == "soak":
            held = ((c.path, c.seqs) for c in self.pool.held if c.seqs is not None)
            report = self.pool.soak.report(held, cmd.get("expected") or {})
            return report | {"dropped": self.pool.lost}
        raise ValueError(f"unknown op {op}")


async def main() -> None:
    raise_nofile()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 24)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    out = os.fdopen(sys.stdout.fileno(), "wb", buffering=0)
    client = Client()
    out.write(orjson.dumps({"pid": os.getpid(), "nofile": raise_nofile()}) + b"\n")
    while line := await reader.readline():
        cmd = orjson.loads(line)
        if cmd["op"] == "quit":
            break
        try:
            reply = await client.handle(cmd)
        except Exception as exc:  # noqa: BLE001 - reported to the coordinator
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        out.write(orjson.dumps(reply) + b"\n")
    for conn in list(client.pool.held):
        conn.close(rst=False)


if __name__ == "__main__":
    import uvloop

    uvloop.run(main())
