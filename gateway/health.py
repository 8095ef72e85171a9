"""Operator endpoints: liveness, readiness (broker and Redis) and Prometheus metrics."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.openapi import Operation, documented
from gateway.producer import EnvelopeProducer
from gateway.store import Store
from schemas.api import Liveness, Readiness

__all__ = ["Health", "routes"]


@dataclass(frozen=True)
class Health:
    """What readiness checks: the broker and Redis."""

    producer: EnvelopeProducer
    store: Store


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
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


routes = [Route("/healthz", healthz), Route("/readyz", readyz), Route("/metrics", metrics)]
