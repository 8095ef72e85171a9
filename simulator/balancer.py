"""A load balancer in front of several gateways, as a deployment has, for the webhook
deliveries of tests and benches: an httpx transport that sends each request to the next
gateway, skips one that refuses connections, and records every answer."""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

__all__ = ["Answer", "Balancer"]


@dataclass
class Answer:
    status: int
    started: float  # time.monotonic()
    seconds: float


class Balancer(httpx.AsyncBaseTransport):
    """A load balancer in front of `urls`: each request goes to the next gateway; one that
    refuses the connection is skipped (as a health check would take it out). Keep-alive is
    off, so a request that breaks after it was sent (`broken`) was cut off in flight, never
    a stale pooled connection. `answers` holds every answer; `in_flight` counts requests
    sent and not yet answered."""

    def __init__(self, urls: Sequence[str]) -> None:
        self.targets = [httpx.URL(url) for url in urls]
        self.answers: list[Answer] = []
        self.broken: list[str] = []
        self.in_flight = 0
        self._turn = itertools.count()
        self._inner = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_keepalive_connections=0))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        for _ in self.targets:
            target = self.targets[next(self._turn) % len(self.targets)]
            request.url = request.url.copy_with(host=target.host, port=target.port)
            started = time.monotonic()
            self.in_flight += 1
            try:
                response = await self._inner.handle_async_request(request)
                await response.aread()
            except httpx.ConnectError:
                continue
            except httpx.TransportError as exc:
                self.broken.append(f"{type(exc).__name__} after {time.monotonic() - started}s")
                raise
            finally:
                self.in_flight -= 1
            self.answers.append(Answer(response.status_code, started, time.monotonic() - started))
            return response
        raise httpx.ConnectError("no gateway accepted the connection", request=request)

    async def aclose(self) -> None:
        await self._inner.aclose()
