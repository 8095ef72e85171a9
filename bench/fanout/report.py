"""The fan-out bench's report: the JSON object (config, results, ours/peer ratios, each
target met or not) and the one-line summary printed after it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bench._report import env_overrides
from bench.fanout.targets import payload

__all__ = ["build", "load_reference", "ratios", "summary", "targets_report"]

TARGET_CLIENTS = 10_000
TARGET_KB_PER_CONN = 30.0
TARGET_P99_MS = 250.0
TARGET_DELIVERED_PER_S = 25_000.0
# Churn: RSS may grow while allocator pools and the Redis connection pool warm up; over
# the second half of the cycles, no growth beyond allocator noise.
CHURN_GROWTH_KB = 1024


def _level(results: dict[str, Any], target: str, n: int) -> dict[str, Any] | None:
    for lv in results.get(target, {}).get("levels", []):
        if lv.get("clients_target") == n and "skipped" not in lv:
            return dict(lv)
    return None


def ratios(results: dict[str, Any], levels: list[int]) -> dict[str, Any]:
    """Ours over each peer, level by level, where both were measured."""
    out: dict[str, Any] = {}
    for peer in ("nchan", "naive"):
        for n in levels:
            a, b = _level(results, "ours", n), _level(results, peer, n)
            if not a or not b:
                continue

            def ratio(x: float | None, y: float | None) -> float | None:
                return round(x / y, 2) if x is not None and y else None

            out[f"ours/{peer}@{n}"] = {
                "clients_held": ratio(a["clients_held"], b["clients_held"]),
                "kb_per_idle_connection": ratio(
                    a["kb_per_idle_connection"], b["kb_per_idle_connection"]
                ),
                "broadcast_p99": ratio(
                    a["broadcasts"]["publish_to_last_client_ms"]["p99"],
                    b["broadcasts"]["publish_to_last_client_ms"]["p99"],
                ),
                "isolated_broadcast_p50": ratio(
                    a.get("isolated_broadcasts", {})
                    .get("publish_to_last_client_ms", {})
                    .get("p50"),
                    b.get("isolated_broadcasts", {})
                    .get("publish_to_last_client_ms", {})
                    .get("p50"),
                ),
                "delivered_per_s": ratio(
                    a["burst"]["delivered_per_s"], b["burst"]["delivered_per_s"]
                ),
            }
    return out


def targets_report(results: dict[str, Any]) -> dict[str, Any]:
    """Each target of the README's table, measured against this run's `ours`."""
    res = results.get("ours", {})
    levels = [lv for lv in res.get("levels", []) if "skipped" not in lv]
    churn = results.get("ours_churn", {})
    out: dict[str, Any] = {}
    if "segments" in churn:
        out["churn_rss_growth_second_half_kb_max"] = CHURN_GROWTH_KB
        out["churn_no_leak_met"] = bool(
            churn["after"]["numsub"] == 0
            and churn["pubsub_channels_ps_after"] == 0
            and churn["server_counts_clients_after"] == 0
            and churn["fanout_still_works"]
            and churn["rss_growth_second_half_kb"] <= CHURN_GROWTH_KB
        )
    if not levels:
        return out
    top = max(levels, key=lambda lv: lv["clients_held"])
    at10k = _level(results, "ours", TARGET_CLIENTS)
    kb = max((lv["kb_per_idle_connection"] or 0) for lv in levels)
    p99 = at10k["broadcasts"]["publish_to_last_client_ms"]["p99"] if at10k else None
    rate = max((lv["burst"]["delivered_per_s"] or 0) for lv in levels)
    views = [res["with_0_clients"], *levels]
    conns = [v["server_redis_connections"] for v in views]
    pubsub = [v["server_redis_pubsub_connections"] for v in levels]
    out |= {
        "clients_on_one_process": TARGET_CLIENTS,
        "clients_met": top["clients_held"] >= TARGET_CLIENTS,
        "kb_per_idle_connection": TARGET_KB_PER_CONN,
        "kb_met": kb <= TARGET_KB_PER_CONN,
        "broadcast_p99_ms_at_10k": TARGET_P99_MS,
        "p99_met": p99 is not None and p99 <= TARGET_P99_MS,
        "delivered_per_s": TARGET_DELIVERED_PER_S,
        "delivered_met": rate >= TARGET_DELIVERED_PER_S,
        "redis_connections_at_0_and_each_level": conns,
        "redis_connections_constant": len(set(conns)) == 1,
        "redis_pubsub_connections_at_each_level": pubsub,
        "redis_pubsub_connections_constant": len(set(pubsub)) == 1,
    }
    return out


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def summary(results: dict[str, Any], report: dict[str, Any]) -> str:
    """The one-line summary printed after the JSON."""
    parts = []
    for target in ("ours", "nchan", "naive"):
        res = results.get(target)
        if not res:
            continue
        if "levels" not in res or not res["levels"]:
            parts.append(f"{target}: {res.get('skipped') or next(iter(res.values()))}")
            continue
        cells = []
        for lv in res["levels"]:
            if "skipped" in lv:
                continue
            b = lv["broadcasts"]["publish_to_last_client_ms"]
            alone = lv["isolated_broadcasts"]["publish_to_last_client_ms"]
            cells.append(
                f"{lv['clients_held']} held {lv['kb_per_idle_connection']} KB/conn "
                f"p99 {b['p99']} ms (alone p50 {alone['p50']}) "
                f"{_num(lv['burst']['delivered_per_s'])}/s"
            )
        parts.append(f"{target}: " + "; ".join(cells))
    t = report.get("targets", {})
    flags = []
    if "clients_met" in t:
        flags += [
            f"10k clients {'met' if t['clients_met'] else 'NOT met'}",
            f"<=30 KB/conn {'met' if t['kb_met'] else 'NOT met'}",
            f"p99<=250 ms@10k {'met' if t['p99_met'] else 'NOT met'}",
            f">=25k/s {'met' if t['delivered_met'] else 'NOT met'}",
            f"Redis conns {t['redis_connections_at_0_and_each_level']} "
            f"{'constant' if t['redis_connections_constant'] else 'NOT constant'} "
            f"(pub/sub {t['redis_pubsub_connections_at_each_level']})",
        ]
    if "churn_no_leak_met" in t:
        c = results["ours_churn"]
        flags.append(
            f"churn {c['cycles_done']} cycles ({c['abrupt_rst_share']:.0%} RST): RSS "
            f"+{c['rss_growth_kb']} KB (+{c['rss_growth_second_half_kb']} KB over the second "
            f"half), numsub {c['after']['numsub']}, gauge "
            f"{c['server_counts_clients_after']:g}, redis conns "
            f"{c['before']['server_redis_connections']}"
            f"->{c['after']['server_redis_connections']} "
            f"{'met' if t['churn_no_leak_met'] else 'NOT met'}"
        )
    if flags:
        parts.append("[" + ", ".join(flags) + "]")
    for key, r in report.get("ratios", {}).items():
        parts.append(
            f"{key}: held x{r['clients_held']}, KB/conn x{r['kb_per_idle_connection']}, "
            f"p99 x{r['broadcast_p99']}, delivered/s x{r['delivered_per_s']}"
        )
    return "fanout: " + " | ".join(parts)


def build(
    args: argparse.Namespace,
    results: dict[str, Any],
    *,
    machine: dict[str, Any],
    load_wait: dict[str, Any] | None,
    rlimit_nofile: int,
    reference: dict[str, Any],
    wall_s: float,
) -> dict[str, Any]:
    """The JSON report: the machine, the run's config, each target's results, the ratios
    (against `reference`'s `ours` when this run has none) and the targets."""
    report: dict[str, Any] = {
        "bench": "fanout",
        "machine": machine,
        "config": {
            "env_overrides": env_overrides(),
            "targets": args.target,
            "levels": args.levels,
            "client_processes": args.client_procs,
            "broadcasts": args.broadcasts,
            "isolated_broadcasts": args.isolated,
            "interval_s": args.interval,
            "burst": args.burst,
            "cycles": args.cycles,
            "churn_seconds": args.churn_seconds,
            "rlimit_nofile": rlimit_nofile,
            "open_concurrency": args.open_concurrency * args.client_procs,
            "storm": args.storm,
            "naive_redis_pool": args.naive_pool,
            "storm_concurrency": args.storm_concurrency * args.client_procs,
            "redis": "private redis-server started by the bench",
            "message_bytes": len(payload(1)),
        },
        "load_wait": load_wait,
        **results,
        "ratios": ratios({**reference, **results}, args.levels),
        "ratios_against": "this run" if "ours" in results else args.compare_with,
        "wall_s": wall_s,
    }
    report["targets"] = targets_report(results)
    return report


def load_reference(path: str) -> dict[str, Any]:
    """An earlier run's `ours`, from its output file (the JSON, then the summary line)."""
    lines = Path(path).read_text().rstrip().splitlines()
    return {"ours": json.loads("\n".join(lines[:-1]))["ours"]}
