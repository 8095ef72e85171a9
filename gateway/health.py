"""Operator endpoints: liveness, readiness (broker and Redis) and Prometheus metrics."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

__all__ = ["routes"]


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    state = request.app.state
    try:
        redis_ok = bool(await state.storefront.redis.ping())
    except RedisError:
        redis_ok = False
    broker_ok = await state.webhooks.producer.ready()
    ready = redis_ok and broker_ok
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "redis": redis_ok, "broker": broker_ok},
        status_code=200 if ready else 503,
    )


async def metrics(request: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


routes = [Route("/healthz", healthz), Route("/readyz", readyz), Route("/metrics", metrics)]
