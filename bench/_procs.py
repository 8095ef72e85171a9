"""Process-level measurement helpers for the benches: RSS (once, or over a run), open TCP
connections of a process to a port, CPU of processes and of the machine (from /proc) and
of a set of them over a phase, a private redis-server, waiting for a quiet machine, and
Prometheus text scraping."""

from __future__ import annotations

import contextlib
import itertools
import os
import resource
import time
from collections import Counter
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from proofstream.services import ManagedProcess, start_redis

__all__ = [
    "CpuSet",
    "RssSeries",
    "all_processes_cpu",
    "children",
    "cpu_seconds",
    "max_open_files",
    "metric_value",
    "private_redis",
    "raise_nofile",
    "schedstat",
    "system_cpu",
    "tcp_connections",
    "tcp_local_ports",
    "vm_rss_kb",
    "wait_for_quiet",
]

_TICK = os.sysconf("SC_CLK_TCK")


def raise_nofile(limit: int = 65536) -> int:
    """Raise this process's RLIMIT_NOFILE to `limit`, or at least to its hard limit where
    the hard limit cannot be raised (children inherit it); returns the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:  # raising the hard limit needs CAP_SYS_RESOURCE
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, max(limit, hard)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def vm_rss_kb(pid: int) -> int | None:
    """VmRSS of a process in KB, from /proc/<pid>/status."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


@dataclass
class _RssOf:
    """One process's samples: (seconds since the series started, RSS in KB, CPU seconds
    used so far)."""

    label: str
    started_s: float
    samples: list[tuple[float, int, float]] = field(default_factory=list)

    def growth(self, from_s: float) -> dict[str, Any]:
        """From its first sample at or past `from_s` of its own age to its last one."""
        out: dict[str, Any] = {"started_s": round(self.started_s, 1)}
        if not self.samples:
            return out | {"growth_pct": None, "note": "never sampled"}
        base = next((s for s in self.samples if s[0] >= self.started_s + from_s), None)
        end = self.samples[-1]
        out["rss_mb_end"] = round(end[1] / 1024, 1)
        out["rss_mb_peak"] = round(max(kb for _, kb, _ in self.samples) / 1024, 1)
        minutes = self._by_minute()
        out["rss_mb_by_minute"] = [round(kb / 1024, 1) for _, kb, _ in minutes]  # levels off?
        # What it took of one core in each minute: which process saturates, and when.
        out["cpu_pct_by_minute"] = [
            round(100 * (b[2] - a[2]) / (b[0] - a[0]), 1)
            for a, b in itertools.pairwise([*minutes, end])
            if b[0] > a[0]
        ]
        if base is None or base is end:
            lived = end[0] - self.started_s
            note = f"sampled over {lived:.0f} s: too short for growth from {from_s:g} s"
            return out | {"growth_pct": None, "note": note}
        return out | {
            "from_s": round(base[0], 1),
            "to_s": round(end[0], 1),
            "rss_mb_from": round(base[1] / 1024, 1),
            "growth_pct": round(100 * (end[1] - base[1]) / base[1], 1),
        }

    def _by_minute(self) -> list[tuple[float, int, float]]:
        """The sample at each whole minute of its own age (the first at or past it)."""
        marks: list[tuple[float, int, float]] = []
        for sample in self.samples:
            if sample[0] >= self.started_s + 60 * len(marks):
                marks.append(sample)
        return marks


class RssSeries:
    """VmRSS and CPU time of named processes over a run (from `started`, a
    `time.perf_counter()`), each measured by its own age: a new pid under a known name (a
    restarted process) is a new instance, `<name>#2`, whose age starts at its first sample."""

    def __init__(self, started: float) -> None:
        self.started = started
        self._of: dict[int, _RssOf] = {}
        self._names: Counter[str] = Counter()

    def sample(self, pids: Mapping[str, int]) -> None:
        at = time.perf_counter() - self.started
        for name, pid in pids.items():
            if pid not in self._of:
                self._names[name] += 1
                k = self._names[name]
                self._of[pid] = _RssOf(name if k == 1 else f"{name}#{k}", 0.0 if k == 1 else at)
            kb, cpu = vm_rss_kb(pid), cpu_seconds(pid)
            if kb is not None and cpu is not None:
                self._of[pid].samples.append((at, kb, cpu))

    def growth(self, from_s: float) -> dict[str, dict[str, Any]]:
        """Per instance: RSS growth from `from_s` seconds into its own life to its end."""
        return {of.label: of.growth(from_s) for of in self._of.values()}


def max_open_files(pid: int) -> int | None:
    """The soft RLIMIT_NOFILE of a running process, from /proc/<pid>/limits."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
            if line.startswith("Max open files"):
                return int(line.split()[3])
    return None


def children(pid: int) -> list[int]:
    """Direct children of a process (e.g. nginx's worker under its master)."""
    out: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text().split()
            out.extend(int(x) for x in text)
    return out


def _socket_inodes(pid: int) -> set[str]:
    inodes: set[str] = set()
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                link = os.readlink(fd)
                if link.startswith("socket:["):
                    inodes.add(link[8:-1])
    return inodes


def tcp_local_ports(pid: int, remote_port: int) -> list[int]:
    """Local ports of the established TCP connections the process holds to `remote_port`
    (from its fds and /proc/<pid>/net/tcp), e.g. its Redis connections."""
    inodes = _socket_inodes(pid)
    ports: list[int] = []
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]:
            parts = line.split()
            if parts[3] != "01":  # ESTABLISHED
                continue
            if int(parts[2].rsplit(":", 1)[1], 16) == remote_port and parts[9] in inodes:
                ports.append(int(parts[1].rsplit(":", 1)[1], 16))
    return ports


def tcp_connections(pid: int, remote_port: int) -> int:
    """How many established TCP connections the process holds to `remote_port`."""
    return len(tcp_local_ports(pid, remote_port))


def metric_value(text: str, name: str) -> float | None:
    """Sum of every sample of `name` (all label sets) in a Prometheus text exposition."""
    total, found = 0.0, False
    for line in text.splitlines():
        if line.startswith(name) and line[len(name) : len(name) + 1] in (" ", "{"):
            total += float(line.rsplit(" ", 1)[1])
            found = True
    return total if found else None


def wait_for_quiet(max_load: float, max_wait_s: float) -> dict[str, Any]:
    """Wait until the 1-minute load average is below `max_load` (up to `max_wait_s`)."""
    started = time.monotonic()
    while os.getloadavg()[0] >= max_load and time.monotonic() - started < max_wait_s:
        time.sleep(5)
    return {
        "max_load": max_load,
        "waited_s": round(time.monotonic() - started, 1),
        "loadavg": list(os.getloadavg()),
        "quiet": os.getloadavg()[0] < max_load,
    }


@contextlib.contextmanager
def private_redis(logs: Path, *, maxclients: int = 60000) -> Iterator[tuple[ManagedProcess, str]]:
    """A throw-away redis-server of our own, so connection counts and subscriptions are
    ours alone and a peer that opens one Redis connection per client cannot exhaust a
    shared Redis."""
    process, url = start_redis(
        log_path=logs / "redis.log", options=["--maxclients", str(maxclients)]
    )
    try:
        yield process, url
    finally:
        process.stop()


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


class CpuSet:
    """CPU of named processes, of this process (reported as `own`) and of the machine
    between start() and stop(). The main threads of the processes named in `main_threads`
    (all when None) get their on-CPU and run-queue wait shares too."""

    def __init__(
        self,
        pids: Mapping[str, int],
        *,
        own: str = "coordinator",
        main_threads: Collection[str] | None = None,
    ) -> None:
        self.pids = dict(pids)
        self.own = own
        self.main_threads = main_threads
        self.before: dict[str, float | None] = {}
        self.sched: dict[str, tuple[float, float] | None] = {}
        self.sys0 = (0.0, 0.0)
        self.wall = 0.0
        self.self0 = 0.0
        self.all0: dict[int, tuple[str, float]] = {}

    def start(self) -> CpuSet:
        self.before = {n: cpu_seconds(p) for n, p in self.pids.items()}
        self.sched = {n: schedstat(p) for n, p in self.pids.items()}
        self.sys0 = system_cpu()
        self.all0 = all_processes_cpu()
        self.self0 = time.process_time()
        self.wall = time.monotonic()
        return self

    def stop(self) -> dict[str, Any]:
        wall = time.monotonic() - self.wall
        out: dict[str, Any] = {"wall_s": round(wall, 3)}
        for name, pid in self.pids.items():
            b, a = self.before.get(name), cpu_seconds(pid)
            if b is None or a is None:
                continue
            entry: dict[str, Any] = {
                "cpu_s": round(a - b, 2),
                "cpu_pct_of_one_core": _pct(a - b, wall),
            }
            s0, s1 = self.sched.get(name), schedstat(pid)
            if s0 and s1 and (self.main_threads is None or name in self.main_threads):
                entry["main_thread_on_cpu_pct"] = _pct(s1[0] - s0[0], wall)
                entry["main_thread_runq_wait_pct"] = _pct(s1[1] - s0[1], wall)
            out[name] = entry
        used = time.process_time() - self.self0
        out[self.own] = {"cpu_s": round(used, 2), "cpu_pct_of_one_core": _pct(used, wall)}
        b0, t0 = self.sys0
        b1, t1 = system_cpu()
        if t1 > t0:
            out["machine_busy_pct_all_cores"] = round(100 * (b1 - b0) / (t1 - t0), 1)
        # Anything else that used 5 % of a core or more (other people's tests on a shared
        # machine).
        ours = {*self.pids.values(), os.getpid()}
        others: list[tuple[float, int, str]] = []
        for pid, (cmd, after_s) in all_processes_cpu().items():
            used = after_s - self.all0.get(pid, (cmd, 0.0))[1]
            if pid not in ours and wall and used >= 0.05 * wall:
                others.append((_pct(used, wall), pid, cmd))
        others.sort(reverse=True)
        out["other_processes"] = [
            {"pid": pid, "cmd": cmd, "cpu_pct_of_one_core": pct} for pct, pid, cmd in others[:6]
        ]
        if "machine_busy_pct_all_cores" in out:
            listed = sum(
                v["cpu_pct_of_one_core"] for v in out.values() if isinstance(v, dict)
            ) + sum(pct for pct, _, _ in others)
            busy = out["machine_busy_pct_all_cores"] * (os.cpu_count() or 1)
            # Kernel work (loopback TCP, softirqs) and processes that came and went.
            out["unattributed_pct_of_one_core"] = round(busy - listed, 1)
        return out


def _pct(used: float, wall: float) -> float:
    return round(100 * used / wall, 1) if wall > 0 else 0.0
