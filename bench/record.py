"""The record's write rate: rendered notifications into SQL the way the `record` agent
writes them (`agents.record.Recorder.write`: a batch of 500 in one transaction, one
multi-row INSERT), beside the floor a naive sink would be (one transaction, one round trip
per row), and a redelivered batch (every row already there), on PostgreSQL and SQLite.

Notifications are rendered from simulated orders (`simulator/`, `stages/`) over 50 bench
shops; the bench deletes its shops' rows afterwards.

    .venv/bin/python -m bench.record [--rows 20000] [--postgres URL]

Prints one JSON object, then a one-line summary as the last line.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agents.record import Recorder
from bench._report import machine
from bench._stack import run
from schemas import Notification, ShopSettings
from simulator.orders import OrderFactory
from stages.normalize import normalize
from stages.render import render
from stages.samples import sample_webhook
from storage.database import create_engine, migrate, sessionmaker
from storage.repository import RECORD_TABLES, redact_shop

BATCH = 500  # the record agent's stream.take() batch
now = time.perf_counter


def notifications(count: int, shops: list[str]) -> list[Notification]:
    """`count` rendered notifications, spread over `shops`, as the worker makes them."""
    out = []
    clock = datetime.now(UTC)
    factories = [OrderFactory(seed=i, shop=shop) for i, shop in enumerate(shops)]
    for n in range(count):
        factory = factories[n % len(factories)]
        order = factory.order()
        envelope = sample_webhook(shop=factory.shop, order_id=str(order["id"]), now=clock)
        envelope = envelope.model_copy(update={"payload": order})
        out.append(render(normalize(envelope), settings=ShopSettings(), now=clock))
    return out


async def rates(url: str, rows: list[Notification], shops: list[str]) -> dict[str, Any]:
    await migrate(url)
    engine = create_engine(url)
    recorder = Recorder(sessionmaker(engine), clock=lambda: datetime.now(UTC))
    try:
        started = now()
        for start in range(0, len(rows), BATCH):
            recorded = await recorder.write(rows[start : start + BATCH])
            assert recorded.saved == len(rows[start : start + BATCH])
        batched_s = now() - started
        started = now()
        for start in range(0, len(rows), BATCH):
            assert (await recorder.write(rows[start : start + BATCH])).saved == 0
        again_s = now() - started
        await erase(sessionmaker(engine), shops)
        single = rows[: max(1, len(rows) // 10)]
        started = now()
        for row in single:
            await recorder.write([row])
        single_s = now() - started
        await erase(sessionmaker(engine), shops)
    finally:
        await engine.dispose()
    return {
        "batched_rows_per_s": round(len(rows) / batched_s),
        "batched_s": round(batched_s, 2),
        "redelivered_rows_per_s": round(len(rows) / again_s),
        "one_row_per_transaction_rows_per_s": round(len(single) / single_s),
        "one_row_per_transaction_rows": len(single),
        "batching_speedup": round((len(rows) / batched_s) / (len(single) / single_s), 1),
    }


async def erase(db: Any, shops: list[str]) -> None:
    async with db.begin() as session:
        for shop in shops:
            await redact_shop(session, shop=shop, tables=RECORD_TABLES)


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    shops = [f"bench-{uuid.uuid4().hex[:8]}.myshopify.com" for _ in range(50)]
    started = now()
    rows = notifications(args.rows, shops)
    made_s = now() - started
    results: dict[str, Any] = {"render_s": round(made_s, 2)}
    with tempfile.TemporaryDirectory(prefix="proofstream-record-bench-") as folder:
        sqlite = f"sqlite+aiosqlite:///{Path(folder) / 'record.db'}"
        for name, url in (("postgresql", args.postgres), ("sqlite", sqlite)):
            results[name] = await rates(url, rows, shops)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000, help="notifications to write")
    parser.add_argument(
        "--postgres",
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/test",
        help="the PostgreSQL to write to (its bench shops' rows are deleted afterwards)",
    )
    args = parser.parse_args()
    t0 = now()
    report = {
        "bench": "record",
        "machine": machine(),
        "config": {"rows": args.rows, "batch": BATCH, "shops": 50},
        **run(bench(args)),
        "wall_s": round(now() - t0, 1),
    }
    print(json.dumps(report, indent=2))
    pg, lite = report["postgresql"], report["sqlite"]
    print(
        f"record: PostgreSQL {pg['batched_rows_per_s']} rows/s in batches of {BATCH} "
        f"({pg['batching_speedup']}x one row per transaction: "
        f"{pg['one_row_per_transaction_rows_per_s']}/s), redelivered "
        f"{pg['redelivered_rows_per_s']}/s; SQLite {lite['batched_rows_per_s']} rows/s "
        f"({lite['batching_speedup']}x one per transaction: "
        f"{lite['one_row_per_transaction_rows_per_s']}/s)"
    )


if __name__ == "__main__":
    main()
