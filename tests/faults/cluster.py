"""A deployment of a test's own, shaped like several machines: a broker and a Redis of its
own, the session's PostgreSQL, and gateways and workers started, stopped, killed and
restarted by name; Shopify's deliveries reach the gateways through a load balancer.

`Cluster` starts processes, `send_orders` plays Shopify (one delivery per order, retried
until accepted) through `simulator.balancer.Balancer`."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from proofstream.services import (
    ManagedProcess,
    free_port,
    start_component,
    start_redis,
    wait_for_http,
)
from simulator.balancer import Balancer
from simulator.orders import OrderFactory
from simulator.webhooks import WebhookSender
from tests.conftest import SECRET

JOINED = re.compile(r"Joined group '[^']+' \(generation (\d+)\)")
ASSIGNED = "Setting newly assigned partitions"
ELECTED = "Elected group leader"


@dataclass
class Cluster:
    """Processes of one deployment. Every gateway and worker shares `env` (one consumer
    group, one database) but has its own ports; a restarted one keeps them."""

    folder: Path
    env: dict[str, str]
    broker: ManagedProcess
    redis: ManagedProcess
    redis_port: int
    processes: dict[str, ManagedProcess] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    _envs: dict[str, dict[str, str]] = field(default_factory=dict)

    def gateway(self, name: str = "gateway") -> str:
        """Start (or start again, on the same port) the gateway `name`; its URL once ready."""
        if name not in self._envs:
            port = free_port()
            self._envs[name] = self.env | {
                "PROOFSTREAM_GATEWAY_PORT": str(port),
                "PROOFSTREAM_PUBLIC_URL": f"http://127.0.0.1:{port}",
            }
            self.urls[name] = f"http://127.0.0.1:{port}"
        process = self._start(name, "gateway")
        wait_for_http(f"{self.urls[name]}/readyz", process=process, timeout_s=60)
        return self.urls[name]

    def worker(self, name: str = "worker") -> ManagedProcess:
        """Start (or start again) the worker `name`."""
        if name not in self._envs:
            self._envs[name] = self.env | {
                "PROOFSTREAM_WORKER_WEB_PORT": str(free_port()),
                "PROOFSTREAM_WORKER_METRICS_PORT": str(free_port()),
            }
        return self._start(name, "worker")

    async def started(self) -> str:
        """A gateway and a worker (named `gateway` and `worker`), the worker holding its
        partitions; returns the gateway's URL."""
        url = await asyncio.to_thread(self.gateway)
        self.worker()
        await self.settled("worker")
        return url

    async def settled(self, *workers: str) -> None:
        """Wait until the named workers (all the group has) took their partitions in one
        generation of the group."""
        async with asyncio.timeout(60):
            while not in_one_generation(self, *workers):
                await asyncio.sleep(0.1)

    def leader(self, *workers: str) -> str:
        """Which of the (settled) workers leads the group: it assigned the partitions of the
        generation it last joined (and runs the `on_leader` timers)."""
        leading = [name for name in workers if led_last_generation(self.log(name))]
        assert len(leading) == 1, leading
        return leading[0]

    def metrics_url(self, worker: str) -> str:
        return f"http://127.0.0.1:{self._envs[worker]['PROOFSTREAM_WORKER_METRICS_PORT']}/metrics"

    def _start(self, name: str, command: str) -> ManagedProcess:
        self.processes[name] = start_component(
            command, name=name, env=self._envs[name], logs=self.folder
        )
        return self.processes[name]

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def restart_redis(self) -> None:
        """Redis stopped and started again, empty (it keeps nothing on disk)."""
        self.redis.stop()
        self.redis, _ = start_redis(log_path=self.folder / "redis-2.log", port=self.redis_port)

    def stop(self) -> None:
        for process in self.processes.values():
            process.stop()


async def send_orders(
    balancer: Balancer, shops: Sequence[str], count: int, *, every_s: float
) -> dict[str, list[str]]:
    """Play Shopify: every `every_s` a new order of each shop (titled `Order {n}`), each
    delivered and retried every second for up to two minutes until accepted. The titles
    accepted, per shop."""
    async with httpx.AsyncClient(transport=balancer, timeout=10) as client:
        sender = WebhookSender(
            client=client,
            endpoint="http://gateway/webhooks/shopify",  # the balancer picks the gateway
            secret=SECRET,
            retry_delays=[1.0] * 120,
        )

        async def deliver(shop: str, n: int) -> tuple[str, str] | None:
            order = OrderFactory(seed=n, shop=shop).order()
            order["line_items"][0]["title"] = f"Order {n}"
            body = sender.body("orders/create", order)
            answer = await sender.deliver_with_retries(topic="orders/create", shop=shop, body=body)
            return (shop, f"Order {n}") if answer.is_success else None

        deliveries: list[asyncio.Task[tuple[str, str] | None]] = []
        for n in range(count):
            deliveries.extend(asyncio.create_task(deliver(shop, n)) for shop in shops)
            await asyncio.sleep(every_s)
        accepted: dict[str, list[str]] = {shop: [] for shop in shops}
        for outcome in await asyncio.gather(*deliveries):
            if outcome is not None:
                accepted[outcome[0]].append(outcome[1])
        return accepted


def titles(count: int) -> list[str]:
    return [f"Order {n}" for n in range(count)]


def settled_generation(log: str) -> int | None:
    """The group generation a worker (by its log) last joined, once it took its partitions."""
    joins = JOINED.findall(log)
    if not joins or log.count(ASSIGNED) < len(joins):
        return None
    return int(joins[-1])


def led_last_generation(log: str) -> bool:
    last_join = log.rfind("Joined group")
    return last_join >= 0 and ELECTED in log[last_join:].split("\n", 2)[1]


def in_one_generation(cluster: Cluster, *workers: str) -> bool:
    """Whether every worker named settled in the same group generation."""
    generations = {settled_generation(cluster.log(name)) for name in workers}
    return len(generations) == 1 and None not in generations
