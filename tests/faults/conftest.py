"""The `cluster` fixture: a deployment of the test's own (see `cluster.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from proofstream.services import free_port, start_broker, start_redis
from tests.conftest import stack_env
from tests.faults.cluster import Cluster


@pytest.fixture
def cluster(tmp_path: Path, postgres: str) -> Iterator[Cluster]:
    """A broker and a Redis of its own (the session's worker, another consumer group, must
    not handle these orders; Redis is restarted by some tests) on the session's PostgreSQL.
    No gateway or worker runs until the test starts one."""
    broker, bootstrap = start_broker(log_path=tmp_path / "broker.log")
    redis_port = free_port()
    redis, redis_url = start_redis(log_path=tmp_path / "redis.log", port=redis_port)
    env = stack_env(bootstrap=bootstrap, redis_url=redis_url, port=0, database_url=postgres)
    cluster = Cluster(folder=tmp_path, env=env, broker=broker, redis=redis, redis_port=redis_port)
    try:
        yield cluster
    finally:
        cluster.stop()
        cluster.redis.stop()
        broker.stop()
