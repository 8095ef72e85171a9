"""Failover of a two-machine deployment, measured: two gateways behind a load balancer
(`simulator/balancer.py`), two workers in one consumer group, a shop on every partition
and a shopper page per shop on each gateway (`simulator/shopper.py`, reconnecting like
EventSource, to the other gateway when its own is gone). Orders flow steadily; after
`--before` seconds one process is SIGKILLed; orders keep flowing for `--after` seconds.

Measured per run: **failover** = from the kill until the last page to recover receives a
notification of an order sent after the kill (pages whose shop was not on the dead
process recover at once); the longest silence any page saw; lost and repeated
notifications (must be 0); webhook answers other than 200 and requests cut off in flight.

A killed worker is noticed by the group coordinator after the session timeout
(PROOFSTREAM_SESSION_TIMEOUT_S; heartbeats go every timeout/4), then the survivor takes
its partitions and restores their tables from the changelogs: compared here over
`--session-timeouts`. A killed gateway costs its pages one reconnect (after the `retry:`
the stream announced) and its in-flight webhooks one Shopify retry.

    .venv/bin/python -m bench.failover              # worker at 4, 10, 20 s; gateway at 10 s
    .venv/bin/python -m bench.failover --session-timeouts 6 --victims worker --rate 5

Prints one JSON object, then a one-line summary as the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import time
from collections import Counter
from contextlib import AsyncExitStack
from typing import Any

import httpx

from bench._stack import BenchStack, bench_stack, env_overrides, machine, percentiles, run
from simulator.balancer import Balancer
from simulator.orders import OrderFactory
from simulator.partitions import shops_on_every_partition
from simulator.shopper import Shopper, shopping
from simulator.webhooks import WebhookSender

now = time.monotonic  # the clock `simulator.shopper` stamps arrivals with


class Orders:
    """Plays Shopify: `rate` orders per second for each shop, titled `F<n>`, each retried
    every half second until accepted. Remembers when each was first sent."""

    def __init__(self, stack: BenchStack, shops: list[str], balancer: Balancer) -> None:
        self.shops = shops
        self.sent_at: dict[str, float] = {}
        self.accepted: dict[str, list[str]] = {shop: [] for shop in shops}
        self._client = httpx.AsyncClient(transport=balancer, timeout=10)
        self._sender = WebhookSender(
            client=self._client,
            endpoint="http://gateway/webhooks/shopify",  # the balancer picks the gateway
            secret=stack.secret,
            retry_delays=[0.5] * 240,
        )
        self._tasks: list[asyncio.Task[None]] = []
        self._n = 0

    def send_round(self) -> str:
        """One order for every shop; their title."""
        title = f"F{self._n}"
        self._n += 1
        self.sent_at[title] = now()
        for shop in self.shops:
            self._tasks.append(asyncio.create_task(self._deliver(shop, title)))
        return title

    async def _deliver(self, shop: str, title: str) -> None:
        order = OrderFactory(shop=shop).order()
        order["line_items"][0]["title"] = title
        body = self._sender.body("orders/create", order)
        answer = await self._sender.deliver_with_retries(
            topic="orders/create", shop=shop, body=body
        )
        if answer.is_success:
            self.accepted[shop].append(title)

    async def flow(self, rate: float, seconds: float) -> None:
        deadline = now() + seconds
        while now() < deadline:
            self.send_round()
            await asyncio.sleep(1 / rate)

    async def settle(self) -> None:
        await asyncio.gather(*self._tasks)
        await self._client.aclose()


def rendered(metrics: str) -> float:
    for line in metrics.splitlines():
        if line.startswith('proofstream_agent_events_total{outcome="ok",stage="render"}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def warm_up(
    stack: BenchStack, orders: Orders, pages: list[Shopper], workers: list[str]
) -> float:
    """Orders until every page got one sent in this round and every worker has rendered
    some (each holds partitions): the group has settled. Returns the seconds it took."""
    started = now()
    async with asyncio.timeout(120), httpx.AsyncClient() as http:
        while True:
            title = orders.send_round()
            async with asyncio.timeout(30):
                while not all(title in page.products() for page in pages):
                    await asyncio.sleep(0.1)
            counts = [rendered((await http.get(stack.metrics_url(w))).text) for w in workers]
            if all(counts):
                return round(now() - started, 1)
            await asyncio.sleep(1)


def recovery(pages: dict[str, list[Shopper]], orders: Orders, killed_at: float) -> dict[str, Any]:
    """Per page, when it first got an order sent after the kill, and its longest silence."""
    resumed: list[float | None] = []
    silences: list[float] = []
    for page in (p for shop_pages in pages.values() for p in shop_pages):
        arrivals = [
            (e.at, e.json()["fields"]["product"]) for e in page.events if e.event == "notification"
        ]
        after = [at for at, title in arrivals if orders.sent_at[title] >= killed_at]
        resumed.append(round(min(after) - killed_at, 2) if after else None)
        times = sorted(at for at, _ in arrivals if at >= killed_at - 1) or [killed_at]
        gaps = [b - a for a, b in zip([killed_at, *times], times, strict=False)]
        silences.append(round(max(gaps), 2))
    known = [r for r in resumed if r is not None]
    return {
        "failover_s": max(known) if len(known) == len(resumed) else None,
        "pages_resumed_s": resumed,
        "longest_silence_s": max(silences),
    }


def exactness(pages: dict[str, list[Shopper]], orders: Orders) -> dict[str, int]:
    lost = repeated = 0
    for shop, shop_pages in pages.items():
        for page in shop_pages:
            got = Counter(page.products())
            for title in orders.accepted[shop]:
                lost += got[title] == 0
                repeated += max(got[title] - 1, 0)
    return {"lost": lost, "repeated": repeated}


async def one_run(stack: BenchStack, args: argparse.Namespace, victim: str) -> dict[str, Any]:
    shops = shops_on_every_partition(1)
    balancer = Balancer(stack.urls)
    orders = Orders(stack, shops, balancer)
    async with AsyncExitStack() as held:
        pages = {
            shop: [
                await held.enter_async_context(
                    shopping(*(f"{url}/v1/storefront/{shop}/stream" for url in urls))
                )
                for urls in (stack.urls, stack.urls[::-1])
            ]
            for shop in shops
        }
        every = [p for shop_pages in pages.values() for p in shop_pages]
        warm_s = await warm_up(stack, orders, every, ["worker", "worker-2"])
        steady_from = now()  # the group has settled: latencies before the kill count from here
        await orders.flow(args.rate, args.before)
        killed_at = now()
        stack.processes[victim].signal(signal.SIGKILL)
        await orders.flow(args.rate, args.after)
        await orders.settle()
        async with asyncio.timeout(60):
            while exactness(pages, orders)["lost"]:
                await asyncio.sleep(0.2)
        latency_ms = [
            1000 * (e.at - orders.sent_at[e.json()["fields"]["product"]])
            for page in every
            for e in page.events
            if e.event == "notification"
            and steady_from <= orders.sent_at[e.json()["fields"]["product"]] < killed_at
        ]
    return {
        "victim": victim,
        "session_timeout_s": float(stack.env["PROOFSTREAM_SESSION_TIMEOUT_S"]),
        "warm_up_s": warm_s,
        **recovery(pages, orders, killed_at),
        **exactness(pages, orders),
        "latency_before_kill_ms": percentiles(latency_ms),
        "webhook_answers": dict(Counter(str(a.status) for a in balancer.answers)),
        "webhooks_cut_off": len(balancer.broken),
        "orders_per_shop": len(orders.sent_at),
    }


def plan(args: argparse.Namespace) -> list[tuple[str, float]]:
    runs: list[tuple[str, float]] = []
    if "worker" in args.victims:
        runs += [("worker", float(s)) for s in args.session_timeouts.split(",") if s]
    if "gateway" in args.victims:
        runs.append(("gateway", 10.0))
    return runs


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    results = []
    for victim, session_timeout in plan(args):
        settings = {"PROOFSTREAM_SESSION_TIMEOUT_S": str(session_timeout)}
        with bench_stack(worker=True, gateways=2, workers=2, settings=settings) as stack:
            results.append(await one_run(stack, args, victim))
    return {
        "bench": "failover",
        "machine": machine(),
        "env_overrides": env_overrides(),
        "rate_per_shop": args.rate,
        "runs": results,
    }


def summary(result: dict[str, Any]) -> str:
    parts = [
        f"{r['victim']} killed (session {r['session_timeout_s']:g} s): {r['failover_s']} s"
        for r in result["runs"]
    ]
    lost = sum(r["lost"] for r in result["runs"])
    repeated = sum(r["repeated"] for r in result["runs"])
    return f"failover: {'; '.join(parts)}; lost {lost}, repeated {repeated}"


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.failover",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument(
        "--session-timeouts",
        default="4,10,20",
        help="comma-separated PROOFSTREAM_SESSION_TIMEOUT_S values, one worker kill each",
    )
    parser.add_argument(
        "--victims",
        default="worker,gateway",
        help="which processes to kill: worker, gateway (the gateway once, at 10 s)",
    )
    parser.add_argument("--rate", type=float, default=5.0, help="orders/s for each shop")
    parser.add_argument(
        "--before", type=float, default=10.0, help="seconds of orders before the kill"
    )
    parser.add_argument(
        "--after", type=float, default=45.0, help="seconds of orders after the kill"
    )
    args = parser.parse_args()
    result = run(bench(args))
    print(json.dumps(result, indent=2))  # noqa: T201 - the bench's output
    print(summary(result))  # noqa: T201


if __name__ == "__main__":
    main()
