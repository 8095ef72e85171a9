"""`proofstream run`: the whole system on one machine, stopped cleanly by Ctrl-C."""

from __future__ import annotations

import hashlib
import hmac
import os
import signal
import time
from pathlib import Path

import httpx

from proofstream.errors import ServiceError
from proofstream.services import (
    ManagedProcess,
    free_port,
    redis_reachable,
    start_broker,
    start_component,
    start_redis,
    wait_for_http,
    wait_for_port,
)
from proofstream.settings import Settings

__all__ = ["run_local"]

DEMO_SHOP = "demo-shop.myshopify.com"


def _say(message: str) -> None:
    print(f"proofstream: {message}", flush=True)  # noqa: T201 - the launcher talks to a person


def run_local(settings: Settings, *, rate: float, workdir: Path) -> int:
    """Start every part, print where to look, and stop them all on Ctrl-C or a crash."""
    logs = workdir / "logs"
    started: list[ManagedProcess] = []
    # A plain list, not a threading.Event: Event.set() from a signal handler can deadlock
    # with the main thread inside Event.wait() (both take the same lock).
    stopping: list[int] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda received, _frame: stopping.append(received))
    try:
        env: dict[str, str] = {}
        if settings.kafka_bootstrap_servers:
            env["KAFKA_BOOTSTRAP_SERVERS"] = settings.kafka_bootstrap_servers
            _say(f"Kafka: using KAFKA_BOOTSTRAP_SERVERS={settings.kafka_bootstrap_servers}")
        else:
            broker, bootstrap = start_broker(log_path=logs / "broker.log")
            started.append(broker)
            env["KAFKA_BOOTSTRAP_SERVERS"] = bootstrap
            _say(f"Kafka: started the embedded Tansu broker (in memory) at {bootstrap}")

        if redis_reachable(settings.redis_url):
            env["REDIS_URL"] = settings.redis_url
            _say(f"Redis: using {settings.redis_url}")
        else:
            redis, redis_url = start_redis(log_path=logs / "redis.log")
            started.append(redis)
            env["REDIS_URL"] = redis_url
            _say(
                f"Redis: nothing answered at {settings.redis_url}; started redis-server at "
                f"{redis_url}"
            )

        port = settings.gateway_port
        public_url = f"http://127.0.0.1:{port}"
        shopify_port = free_port()
        env |= {
            # The local Shopify (proofstream shopify): OAuth, tokens, Admin GraphQL.
            "SHOPIFY_ADMIN_URL": f"http://127.0.0.1:{shopify_port}/shops/{{shop}}",
            "PROOFSTREAM_PUBLIC_URL": public_url,
            # Locally there is no Shopify admin to hand out session tokens.
            "PROOFSTREAM_DEV_MODE": "true",
            "PROOFSTREAM_WORKER_WEB_PORT": str(free_port()),
            "PROOFSTREAM_WORKER_METRICS_PORT": str(settings.worker_metrics_port),
        }
        if "DATABASE_URL" not in os.environ:
            env["DATABASE_URL"] = f"sqlite+aiosqlite:///{workdir.resolve()}/proofstream.db"
        child_env = {**os.environ, **env}

        def child(name: str, *argv: str) -> ManagedProcess:
            process = start_component(*argv, name=name, env=child_env, logs=logs)
            started.append(process)
            return process

        shopify = child("shopify", "shopify", "--port", str(shopify_port))
        worker = child("worker", "worker")
        gateway = child("gateway", "gateway")
        wait_for_port("127.0.0.1", shopify_port, timeout_s=30, process=shopify)
        wait_for_http(f"{public_url}/readyz", process=gateway, timeout_s=60)
        _install_demo_shop(public_url, settings.shopify_api_secret.get_secret_value())
        journal = workdir / "simulated-orders.jsonl"
        child(
            "simulator",
            "simulate",
            *("--rate", str(rate), "--shop", DEMO_SHOP, "--journal", str(journal)),
        )

        _say(f"worker metrics: http://127.0.0.1:{settings.worker_metrics_port}/metrics")
        _say(f"gateway:        {public_url}  (metrics at {public_url}/metrics)")
        _say(f"logs:           {logs}/")
        _say(f"Shopify simulator: http://127.0.0.1:{shopify_port}/shops/{DEMO_SHOP}")
        _say(f"merchant dashboard: {public_url}/admin?shop={DEMO_SHOP}")
        _say("dev mode is on: /api/* accepts ?shop= without a Shopify session token")
        _say(f"demo storefront, popups appear live: {public_url}/demo/{DEMO_SHOP}")
        _say(
            "try the rest of an order's life: proofstream simulate cancel | refund [--partial] "
            "| data-request | redact-customer | uninstall | redact-shop"
        )
        _say("press Ctrl-C to stop everything")

        while not stopping:
            time.sleep(0.5)
            for process in (shopify, worker, gateway):
                if process.poll() is not None:
                    _say(f"{process.name} stopped unexpectedly; see {process.log_path}")
                    return 1
        return 0
    except ServiceError as exc:
        _say(f"could not start: {exc}")
        return 1
    finally:
        for process in reversed(started):
            process.stop()
        if started:
            _say("stopped " + ", ".join(p.name for p in reversed(started)))


def _install_demo_shop(public_url: str, secret: str) -> None:
    """Install the app on the demo shop as a merchant would: /auth/install, approve on the
    (simulated) Shopify page, back through /auth/callback."""
    query = {"shop": DEMO_SHOP, "timestamp": str(int(time.time()))}
    message = "&".join(f"{k}={v}" for k, v in sorted(query.items()))
    query["hmac"] = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    with httpx.Client(timeout=15) as client:
        response = client.get(f"{public_url}/auth/install", params=query)
        for step in ("approve", "callback"):
            if response.status_code != 302:
                raise ServiceError(
                    f"installing {DEMO_SHOP} failed before {step}: "
                    f"{response.status_code} {response.text[:200]}"
                )
            location = response.headers["location"]
            response = client.get(location + "&auto=1" if step == "approve" else location)
    if response.status_code != 302:
        raise ServiceError(f"installing {DEMO_SHOP} failed: {response.status_code}")
    _say(f"installed the app on {DEMO_SHOP} (OAuth through the Shopify simulator)")
