"""Operator endpoints: liveness, readiness (broker and Redis) and Prometheus metrics
(with the dependencies' readiness and the installed shops read at each scrape)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.errors import StoreUnavailable
from gateway.metrics import READY, SHOPS_INSTALLED
from gateway.openapi import Operation, documented
from gateway.producer import EnvelopeProducer
from gateway.store import Store, database_errors
from schemas.api import Liveness, Readiness
from storage.shops import count_installed

__all__ = ["Health", "installed_shops", "routes"]


@dataclass(frozen=True)
class Health:
    """What readiness checks (the broker and Redis), and what the metrics count."""

    producer: EnvelopeProducer
    store: Store
    installed_shops: Callable[[], Awaitable[int]]  # StoreUnavailable while SQL is away


async def installed_shops(db: async_sessionmaker[AsyncSession]) -> int:
    async with database_errors(), db() as session:
        return await count_installed(session)


@documented(Operation("Liveness", {200: Liveness}, tags=("operations",)))
async def healthz(request: Request) -> Response:
    return JSONResponse(Liveness().model_dump())


@documented(
    Operation(
        "Readiness: the broker and Redis answer",
        {200: Readiness, 503: Readiness},
        tags=("operations",),
    )
)
async def readyz(request: Request) -> Response:
    health: Health = request.app.state.health
    redis_ok = await health.store.ready()
    broker_ok = await health.producer.ready()
    ready = redis_ok and broker_ok
    body = Readiness(status="ready" if ready else "not ready", redis=redis_ok, broker=broker_ok)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@documented(Operation("Prometheus metrics", {200: "text/plain"}, tags=("operations",)))
async def metrics(request: Request) -> Response:
    # Read at scrape time, so the alert rules (deploy/prometheus/alerts.yml) see them.
    health: Health = request.app.state.health
    READY.labels("redis").set(await health.store.ready())
    READY.labels("broker").set(await health.producer.ready())
    try:
        SHOPS_INSTALLED.set(await health.installed_shops())
    except StoreUnavailable:
        READY.labels("database").set(0)
    else:
        READY.labels("database").set(1)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


routes = [Route("/healthz", healthz), Route("/readyz", readyz), Route("/metrics", metrics)]
