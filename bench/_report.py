"""What every bench report carries: the machine it ran on, the settings taken from the
environment, nearest-rank percentiles and deltas of the services' Prometheus histograms."""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "env_overrides",
    "histogram",
    "histogram_delta",
    "machine",
    "percentiles",
    "python_loop_ms",
]


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
