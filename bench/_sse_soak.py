"""What a client process of bench/_sse_clients.py records of the real pipeline's
notifications for bench/soak.py.

A soak order's first line item is titled `S<seq>@<t>` (`t`: `time.perf_counter()` when it
was sent, the machine-wide monotonic clock), so its notification's data carries
`"product":"S<seq>@<t>"`: found with one `find`, no JSON parsing. Each tracked connection
keeps the seqs it received (losses and repeats are counted against what was accepted);
latencies go to a histogram (0.1 ms bins) per window, the window of a seq being the last
one declared with `from_seq` <= seq (`before`, `restart`, `after`: by send time, not by
arrival).
"""

from __future__ import annotations

import time
from array import array
from collections import Counter
from collections.abc import Iterable
from typing import Any

__all__ = ["Soak"]

PRODUCT = b'"product":"S'
now = time.perf_counter


class Soak:
    """Soak notifications received by one process's tracked connections."""

    def __init__(self) -> None:
        self.windows: list[tuple[int, str]] = [(0, "all")]  # (from_seq, label), ascending
        self.hist: dict[str, Counter[int]] = {}
        self.total = 0
        self.bad = 0
        self.last_at = 0.0
        self.silence = (0.0, 0.0)  # the longest gap between two notifications, its end

    def window(self, label: str, from_seq: int) -> None:
        """Seqs from `from_seq` on (until the next window) are in window `label`."""
        kept = [w for w in self.windows if w[0] != from_seq]
        self.windows = sorted([*kept, (from_seq, label)])

    def read(self, seqs: array[int], buf: bytes, end: int) -> None:
        """Record the soak notifications in `buf[:end]` (whole lines) for one connection."""
        pos = buf.find(PRODUCT, 0, end)
        if pos < 0:
            return
        at = now()
        while pos >= 0:
            start = pos + len(PRODUCT)
            sep = buf.find(b"@", start, end)
            stop = buf.find(b'"', start, end)
            try:
                if not 0 <= sep < stop:
                    raise ValueError("not a soak title")
                seq, sent = int(buf[start:sep]), float(buf[sep + 1 : stop])
            except ValueError:
                self.bad += 1
            else:
                seqs.append(seq)
                self._seen(seq, at - sent, at)
            pos = buf.find(PRODUCT, max(stop, start), end)

    def _seen(self, seq: int, latency: float, at: float) -> None:
        self.total += 1
        label = next(name for start, name in reversed(self.windows) if seq >= start)
        hist = self.hist.get(label)
        if hist is None:
            hist = self.hist[label] = Counter()
        hist[int(latency * 10_000)] += 1
        if self.last_at and at - self.last_at > self.silence[0]:
            self.silence = (at - self.last_at, at)
        self.last_at = at

    def report(
        self, held: Iterable[tuple[str, array[int]]], expected: dict[str, list[int]]
    ) -> dict[str, Any]:
        """Over the `held` connections ((path, seqs received)), against the seqs `expected`
        on each path: lost, repeated, unexpected; and the histograms and longest silence."""
        wanted = {path: set(seqs) for path, seqs in expected.items()}
        lost = repeated = unexpected = connections = 0
        lost_sample: list[tuple[str, int]] = []
        for path, seqs in held:
            connections += 1
            want, got = wanted.get(path, set()), set(seqs)
            missing = want - got
            lost += len(missing)
            repeated += len(seqs) - len(got)
            unexpected += len(got - want)
            lost_sample += [(path, seq) for seq in sorted(missing)[: 5 - len(lost_sample)]]
        return {
            "tracked_held": connections,
            "lost": lost,
            "repeated": repeated,
            "unexpected": unexpected,
            "lost_sample": lost_sample,
            "notifications": self.total,
            "bad": self.bad,
            "hist": {label: {str(k): v for k, v in h.items()} for label, h in self.hist.items()},
            "silence": list(self.silence),
        }
