"""SSE fan-out of ONE server process: clients held, memory per idle connection, broadcast
latency, delivered messages/s, Redis connections, and connect/disconnect churn.

Targets (`--target`, comma-separated, run in order):

- `ours`: the gateway (`python -m proofstream gateway`, started by bench/_stack.py with the
  broker; no worker). Broadcasts are PUBLISHed straight to Redis `channel(shop)` as
  `<ms>-<seq> <json>`, as the worker's publish script does.
- `nchan`: nginx + nchan (Debian `nginx`, `libnginx-mod-nchan`), one worker process,
  Redis-backed (`nchan_use_redis`), EventSource subscribers at `/sub/{shop}`, broadcasts
  POSTed to nchan's publisher at `/pub/{shop}`. Config: bench/peers/nchan.conf.
- `naive`: bench/peers/naive_sse.py, sse-starlette with one Redis subscription per client.

All targets share one private redis-server started by the bench. Clients run in
`--client-procs` separate processes (bench/_sse_clients.py: raw-socket HTTP/1.1 on uvloop,
thousands of connections each). Every broadcast's JSON carries its publish time
(`time.perf_counter()`, the machine-wide monotonic clock), so clients measure latency.

For each level of `--levels` (default 1,000, 5,000, 10,000 clients on one shop, added
on top of the previous level): clients held (got `event: ready`, or the 200 head for
nchan, which sends no ready event), server RSS per idle connection
((VmRSS with N idle - VmRSS with 0) / N), `--broadcasts` broadcasts spaced `--interval` s
(latency = publish -> LAST client received, p50/p99 over the broadcasts), then a burst of
`--burst` back-to-back broadcasts (delivered/s = deliveries / time from the first publish
to the last arrival), and the server's own Redis connections (its sockets to the Redis
port, from /proc).

After the levels, a connect storm (`--storm` clients, `--storm-concurrency` connects in
flight per client process, nothing retried) counts connections refused, e.g. 500s.

Churn (`ours` only, on a fresh stack): `--cycles` connect -> `event: ready` -> disconnect
cycles over `--churn-shops` shops, every third closed abruptly (SO_LINGER 0: RST, no
FIN), bounded by `--churn-seconds` and the overall `--budget`, in `--churn-segments`
segments with the gateway's RSS after each. Then: RSS growth, `PUBSUB NUMSUB` of every
churn shop and `PUBSUB CHANNELS ps:*` back to 0, `proofstream_sse_clients` back to 0, the
gateway's Redis connections, and 10 new clients still get a broadcast.

    .venv/bin/python -m bench.fanout                 # ours: levels, storm, churn (time-bound)
    .venv/bin/python -m bench.fanout --levels '' --storm 0 --churn-seconds 150   # 100k churn
    .venv/bin/python -m bench.fanout --target ours,nchan,naive --cycles 0 --storm 0

Prints one JSON object, then a one-line summary as the last line.

The package: `targets.py` starts each server and publishes to it, `clients.py` drives the
client processes, `probes.py` reads the server, Redis and the clients, `levels.py` and
`churn.py` measure, `report.py` writes the JSON and the summary, `__main__.py` runs it.
"""

from __future__ import annotations

import sys
import time

__all__ = ["log", "now"]

# The clock of every broadcast's `t` and of the clients' arrival times (see above).
now = time.perf_counter


def log(text: str) -> None:
    print(f"fanout: {text}", file=sys.stderr, flush=True)
