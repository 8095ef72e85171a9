"""uvicorn, made to end SSE streams as soon as a shutdown begins."""

from __future__ import annotations

import socket

import uvicorn
from starlette.applications import Starlette

__all__ = ["GatewayServer"]


class GatewayServer(uvicorn.Server):
    """On SIGTERM or SIGINT uvicorn waits for open responses before it runs the lifespan
    shutdown, and an SSE response never ends by itself: without this every stop would
    take the whole graceful timeout. Ending the streams first lets it finish at once."""

    def __init__(self, config: uvicorn.Config, app: Starlette) -> None:
        super().__init__(config)
        self._app = app

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        fanout = getattr(self._app.state, "fanout", None)  # set once the lifespan started
        if fanout is not None:
            fanout.end_all()
        await super().shutdown(sockets=sockets)
