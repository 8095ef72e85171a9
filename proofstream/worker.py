"""The worker process: one Faust app running the three stages, metrics on loopback."""

from __future__ import annotations

import faust
import mode.loop
from prometheus_client import start_http_server
from redis.asyncio import Redis

from agents.project import Projector
from agents.publish import Publisher
from agents.topology import Agents, register
from proofstream.settings import Settings
from streams.app import create_app
from streams.tables import declare_tables
from streams.topics import declare

__all__ = ["build_worker", "run_worker"]


def build_worker(settings: Settings, redis: Redis) -> tuple[faust.App, Agents]:
    """The app with topics declared and agents registered (nothing started)."""
    app = create_app(settings)
    topics = declare(app, partitions=settings.topic_partitions)
    tables = declare_tables(app, partitions=settings.topic_partitions)
    agents = register(
        app,
        topics,
        tables,
        publisher=Publisher(redis, maxlen=settings.stream_maxlen),
        projector=Projector(redis),
    )
    return app, agents


def run_worker(settings: Settings) -> None:
    """Run until SIGTERM/SIGINT; Faust commits what was processed and leaves the group."""
    # Before any loop exists. uvloop: +7 % orders/s over asyncio's own loop, three
    # alternating pairs (bench/RESULTS.md).
    mode.loop.use("uvloop")
    start_http_server(settings.worker_metrics_port, addr=settings.worker_metrics_host)
    app, _ = build_worker(settings, Redis.from_url(settings.redis_url))
    faust.Worker(app, loglevel=settings.log_level.upper(), quiet=True).execute_from_commandline()
