"""Shared fixtures: the real parts (Tansu broker, Redis, PostgreSQL, worker and gateway
processes).

Tests isolate by shop domain (`shop` fixture), never by wiping shared state.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from proofstream.services import (
    ManagedProcess,
    free_port,
    redis_reachable,
    start_broker,
    start_component,
    start_redis,
    wait_for_http,
)
from tests.storage.conftest import POSTGRES_URL, postgres_problem

pytest_plugins = ["tests.fixtures", "tests.browser"]

ROOT = Path(__file__).resolve().parents[1]
SECRET = "test-app-secret-0123456789abcdef0123"


@pytest.fixture(scope="session")
def logs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("logs")


@pytest.fixture(scope="session")
def redis_url(logs_dir: Path) -> Iterator[str]:
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    if redis_reachable(url):
        yield url
        return
    process, url = start_redis(log_path=logs_dir / "redis.log")
    yield url
    process.stop()


@pytest.fixture(scope="session")
def bootstrap(logs_dir: Path) -> Iterator[str]:
    """A fresh embedded broker for the whole session."""
    process, servers = start_broker(log_path=logs_dir / "broker.log")
    yield servers
    process.stop()


@dataclass(frozen=True)
class Stack:
    """A running worker and gateway on the session's broker and Redis."""

    url: str
    secret: str
    bootstrap: str
    redis_url: str
    database_url: str
    worker_id: str  # the Faust app id: its tables' changelog topics start with it
    worker_metrics_url: str
    worker: ManagedProcess
    gateway: ManagedProcess

    @property
    def webhook_url(self) -> str:
        return f"{self.url}/webhooks/shopify"


def stack_env(*, bootstrap: str, redis_url: str, port: int, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "REDIS_URL": redis_url,
        "SHOPIFY_API_SECRET": SECRET,
        "PROOFSTREAM_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "PROOFSTREAM_GATEWAY_PORT": str(port),
        "PROOFSTREAM_WORKER_WEB_PORT": str(free_port()),
        "PROOFSTREAM_WORKER_METRICS_PORT": str(free_port()),
        "PROOFSTREAM_WORKER_ID": f"proofstream-test-{uuid.uuid4().hex[:8]}",
        "PROOFSTREAM_WEBHOOK_MAX_BYTES": "65536",
        "PROOFSTREAM_DEV_MODE": "true",
        "PROOFSTREAM_SSE_SEND_TIMEOUT_S": "2",
        # Delivery counts reach the record within a second; the retention job runs often.
        "PROOFSTREAM_ENGAGEMENT_FLUSH_S": "0.5",
        "PROOFSTREAM_RETENTION_INTERVAL_S": "2",
        "PROOFSTREAM_LAG_INTERVAL_S": "1",
        "DATABASE_URL": database_url,
    }


@contextlib.contextmanager
def gateway_process(
    *,
    bootstrap: str,
    redis_url: str,
    folder: Path,
    database_url: str | None = None,
    **settings: str,
) -> Iterator[tuple[str, dict[str, str], ManagedProcess]]:
    """A gateway process of its own, once ready: its URL, environment and process (on
    `database_url`, else a SQLite file of its own in `folder`; `settings` override the
    environment)."""
    port = free_port()
    env = (
        stack_env(
            bootstrap=bootstrap,
            redis_url=redis_url,
            port=port,
            database_url=database_url or f"sqlite+aiosqlite:///{folder}/gateway.db",
        )
        | settings
    )
    gateway = start_component("gateway", name="gateway", env=env, logs=folder)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/readyz", process=gateway, timeout_s=60)
        yield f"http://127.0.0.1:{port}", env, gateway
    finally:
        gateway.stop()


@pytest.fixture(scope="session")
async def postgres() -> str:
    """The machine's PostgreSQL (PROOFSTREAM_TEST_POSTGRES_URL), which must answer."""
    problem = await postgres_problem(POSTGRES_URL)
    if problem is not None:
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is unreachable: {problem}", pytrace=False)
    return POSTGRES_URL


@pytest.fixture(scope="session")
def stack(bootstrap: str, redis_url: str, postgres: str, logs_dir: Path) -> Iterator[Stack]:
    """A gateway and a worker sharing the session's broker, Redis and PostgreSQL."""
    with gateway_process(
        bootstrap=bootstrap, redis_url=redis_url, folder=logs_dir, database_url=postgres
    ) as (url, env, gateway):
        worker = start_component("worker", name="worker", env=env, logs=logs_dir)
        try:
            yield Stack(
                url=url,
                secret=SECRET,
                bootstrap=bootstrap,
                redis_url=redis_url,
                database_url=postgres,
                worker_id=env["PROOFSTREAM_WORKER_ID"],
                worker_metrics_url=f"http://127.0.0.1:{env['PROOFSTREAM_WORKER_METRICS_PORT']}/metrics",
                worker=worker,
                gateway=gateway,
            )
        finally:
            worker.stop()


@pytest.fixture
def shop() -> str:
    """A shop domain no other test uses."""
    return f"test-{uuid.uuid4().hex[:12]}.myshopify.com"
