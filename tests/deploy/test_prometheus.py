"""A real Prometheus (Debian's, installed by the test command; loopback, its own port and
data directory) scrapes a gateway and a worker of the test's own, with the alert rules of
deploy/prometheus/ loaded. Through its HTTP API: every metric and label the Grafana
dashboard queries exists, and the consumer lag rises while the worker is stopped (its
orders wait in Kafka) and falls back to 0 once it runs again."""

import asyncio
import json
import re
import shutil
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from proofstream.services import ManagedProcess, free_port, wait_for_http
from simulator.orders import OrderFactory
from tests.conftest import SECRET
from tests.faults.cluster import Cluster
from tests.fixtures import eventually, order_body, post_webhook

pytestmark = pytest.mark.integration

DEPLOY = Path(__file__).parents[2] / "deploy"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "proofstream.json"
METRIC = re.compile(r"\bproofstream_[a-z_]+")
BY = re.compile(r"\bby \(([^)]*)\)")
MATCHER = re.compile(r"\{([^}]*)\}")
RAW_LAG = "sum(max by (topic, partition) (proofstream_consumer_lag))"


class Prometheus:
    """The server's HTTP API, and the gateway it scrapes."""

    def __init__(self, url: str, *, gateway: str) -> None:
        self.url = url
        self.gateway = gateway

    async def get(self, path: str, **params: str) -> Any:
        async with httpx.AsyncClient(timeout=10) as client:
            answer = (await client.get(f"{self.url}/api/v1/{path}", params=params)).json()
        assert answer["status"] == "success", answer
        return answer["data"]

    async def value(self, query: str) -> float | None:
        result = (await self.get("query", query=query))["result"]
        return float(result[0]["value"][1]) if result else None


@pytest.fixture
async def prometheus(cluster: Cluster, tmp_path: Path) -> AsyncIterator[Prometheus]:
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.fail("prometheus is missing: `scripts/dev test` installs Debian's package")
    gateway = await asyncio.to_thread(cluster.gateway)
    cluster.worker()
    await cluster.settled("worker")
    config = tmp_path / "prometheus.yml"
    config.write_text(
        json.dumps(  # YAML is a superset of JSON
            {
                "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                "rule_files": [str(DEPLOY / "prometheus" / "alerts.yml")],
                "scrape_configs": [
                    {"job_name": "gateway", "static_configs": [{"targets": [host(gateway)]}]},
                    {
                        "job_name": "worker",
                        "static_configs": [{"targets": [host(cluster.metrics_url("worker"))]}],
                    },
                ],
            }
        )
    )
    port = free_port()
    server = ManagedProcess(
        "prometheus",
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        log_path=tmp_path / "prometheus.log",
    ).start()
    try:
        url = f"http://127.0.0.1:{port}"
        await asyncio.to_thread(wait_for_http, f"{url}/-/ready", process=server, timeout_s=60)
        yield Prometheus(url, gateway=gateway)
    finally:
        server.stop()


def host(url: str) -> str:
    return url.split("//", 1)[1].split("/", 1)[0]


def dashboard_queries() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [target["expr"] for panel in panels for target in panel.get("targets", [])]


async def send_orders(url: str, shop: str, count: int, first: int = 0) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        for n in range(first, first + count):
            body = order_body(OrderFactory(seed=n, shop=shop), title=f"Lag {n}")
            answer = await post_webhook(
                client, f"{url}/webhooks/shopify", secret=SECRET, shop=shop, body=body
            )
            assert answer.status_code == 200


async def test_the_dashboard_queries_exist_and_the_lag_shows_a_stopped_worker(
    cluster: Cluster, prometheus: Prometheus, shop: str
) -> None:
    url = prometheus.gateway
    await send_orders(url, shop, 3)  # so that the per-event series exist

    async def every_target_up() -> bool:
        targets = (await prometheus.get("targets"))["activeTargets"]
        return len(targets) == 2 and all(t["health"] == "up" for t in targets)

    await eventually(every_target_up, timeout=30)
    for query in dashboard_queries():
        labels = {label.strip() for group in BY.findall(query) for label in group.split(",")} | {
            m.split("=")[0].strip() for group in MATCHER.findall(query) for m in group.split(",")
        }
        for metric in set(METRIC.findall(query)):

            async def scraped(metric: str = metric) -> bool:
                return bool(await prometheus.get("series", **{"match[]": metric}))

            await eventually(scraped, timeout=30)
            series = await prometheus.get("series", **{"match[]": metric})
            have = {name for s in series for name in s}
            assert labels <= have | {"le"}, (query, metric, labels - have)

    # Lag: 0 once the worker caught up; rising while it is stopped; 0 again after.
    async def lag_is(check: Any) -> bool:
        value = await prometheus.value(RAW_LAG)
        return value is not None and check(value)

    await eventually(lambda: lag_is(lambda v: v == 0), timeout=60)
    worker = cluster.processes["worker"]
    worker.signal(signal.SIGSTOP)
    try:
        await send_orders(url, shop, 5, first=3)
        await eventually(lambda: lag_is(lambda v: v >= 5), timeout=60)
    finally:
        worker.signal(signal.SIGCONT)
    await eventually(lambda: lag_is(lambda v: v == 0), timeout=60)
