"""The worker without its `record` and `engagement` agents: the peer `bench/e2e_latency.py
--compare-record` runs beside the real worker, so that what writing the notification
record costs a popup's latency is measured in one run.

    .venv/bin/python -m bench.peers.worker_without_record   (same environment as the worker)
"""

from __future__ import annotations

from typing import Any

from opentelemetry.sdk.trace import TracerProvider
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from agents.topology import Agents
from proofstream import worker
from proofstream.logs import configure_logging
from proofstream.settings import Settings

build = worker.build_worker


def without_record(
    settings: Settings,
    redis: Redis,
    engine: AsyncEngine,
    *,
    tracer_provider: TracerProvider | None = None,
) -> tuple[Any, Agents]:
    app, agents = build(settings, redis, engine, tracer_provider=tracer_provider)
    for name in ("record", "engagement"):
        del app.agents[name]  # registered, never started: their topics are not consumed
    return app, agents


def main() -> None:
    settings = Settings()
    configure_logging(settings.log_level)
    worker.build_worker = without_record  # the one change: everything else is the worker's
    worker.run_worker(settings)


if __name__ == "__main__":
    main()
