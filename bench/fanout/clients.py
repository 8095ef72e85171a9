"""The fan-out bench's client fleet: `count` bench/_sse_clients.py processes, each holding
thousands of SSE connections, driven by JSON lines over their pipes."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import orjson

from bench._http import shares
from bench.fanout import now
from bench.fanout.targets import Server

__all__ = ["Clients"]


class Clients:
    """`count` client processes (bench/_sse_clients.py), JSON lines over pipes."""

    def __init__(self, count: int, logs: Path) -> None:
        self.count = count
        self.logs = logs
        self.procs: list[asyncio.subprocess.Process] = []
        self.pids: list[int] = []
        self.held = 0

    async def start(self) -> None:
        for i in range(self.count):
            err = (self.logs / f"client-{i}.log").open("wb")
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bench._sse_clients",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=err,
                limit=1 << 26,
            )
            err.close()
            self.procs.append(proc)
            assert proc.stdout is not None
            hello = orjson.loads(await proc.stdout.readline())
            self.pids.append(int(hello["pid"]))

    async def call(self, i: int, cmd: dict[str, Any]) -> dict[str, Any]:
        proc = self.procs[i]
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(orjson.dumps(cmd) + b"\n")
        await proc.stdin.drain()
        line = await proc.stdout.readline()
        if not line:
            raise RuntimeError(f"client process {i} died; see {self.logs}/client-{i}.log")
        reply: dict[str, Any] = orjson.loads(line)
        if "error" in reply:
            raise RuntimeError(f"client process {i}: {reply['error']}")
        return reply

    async def each(self, cmds: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return list(await asyncio.gather(*(self.call(i, c) for i, c in enumerate(cmds))))

    async def all(self, cmd: dict[str, Any]) -> list[dict[str, Any]]:
        return await self.each([cmd] * self.count)

    def split(self, n: int) -> list[int]:
        return shares(n, self.count)

    async def open(
        self, server: Server, shops: list[str], n: int, concurrency: int, *, retry: bool = True
    ) -> dict[str, Any]:
        """Open `n` more connections; what failed is retried once at low concurrency (as a
        page reload would), so a level can still be measured; first-pass failures are kept."""
        base = {
            "op": "open",
            **server.target(shops),
            "concurrency": concurrency,
            "timeout_s": 30,
        }
        started = now()
        replies = await self.each([{**base, "n": k} for k in self.split(n)])
        errors: Counter[str] = Counter()
        for r in replies:
            errors.update(r["errors"])
        failed = sum(r["failed"] for r in replies)
        retried = 0
        if retry and failed:
            retry_replies = await self.each(
                [{**base, "n": r["failed"], "concurrency": 8} for r in replies]
            )
            retried = failed - sum(r["failed"] for r in retry_replies)
            replies = retry_replies
        self.held = sum(r["held"] for r in replies)
        return {
            "requested": n,
            "concurrency": concurrency * self.count,
            "first_pass_failed": failed,
            "first_pass_errors": dict(errors),
            "retried_ok": retried,
            "held_now": self.held,
            "elapsed_s": round(now() - started, 2),
        }

    async def close(self, mode: str = "fin") -> int:
        replies = await self.all({"op": "close", "mode": mode})
        self.held = 0
        return sum(r["closed"] for r in replies)

    async def counts(self) -> tuple[int, int, int]:
        """(deliveries since reset, held, lost) over all processes."""
        replies = await self.all({"op": "count"})
        return (
            sum(r["total"] for r in replies),
            sum(r["held"] for r in replies),
            sum(r["lost"] for r in replies),
        )

    async def stats(self) -> dict[str, Any]:
        replies = await self.all({"op": "stats"})
        per_seq: dict[int, list[float]] = {}
        hist: Counter[int] = Counter()
        for r in replies:
            for s, (c, lat, at) in r["per_seq"].items():
                cur = per_seq.setdefault(int(s), [0, 0.0, 0.0])
                cur[0] += c
                cur[1] = max(cur[1], lat)
                cur[2] = max(cur[2], at)
            hist.update({int(k): v for k, v in r["hist"].items()})
        return {
            "per_seq": per_seq,
            "hist": hist,
            "total": sum(r["total"] for r in replies),
            "bad": sum(r["bad"] for r in replies),
            "held": sum(r["held"] for r in replies),
            "lost": sum(r["lost"] for r in replies),
        }

    async def stop(self) -> None:
        for proc in self.procs:
            if proc.returncode is None and proc.stdin is not None:
                with contextlib.suppress(Exception):
                    proc.stdin.write(b'{"op":"quit"}\n')
                    await proc.stdin.drain()
        for proc in self.procs:
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()
