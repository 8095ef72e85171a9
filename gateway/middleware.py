"""Pure ASGI middleware (never BaseHTTPMiddleware: it buffers and leaks on SSE streams)."""

from __future__ import annotations

import structlog
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["LogContext"]


class LogContext:
    """Gives every request fresh structlog context vars (a webhook id is bound later)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            structlog.contextvars.clear_contextvars()
            structlog.contextvars.bind_contextvars(path=scope["path"])
        await self.app(scope, receive, send)
