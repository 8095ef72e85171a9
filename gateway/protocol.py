"""uvicorn's httptools protocol with guards for requests still arriving (slowloris): a
request's line and headers must arrive within `header_timeout_s` of the connection, or of
the request's first byte on a kept-alive one (408 otherwise), and within
`max_header_bytes` (431). Bodies have their own timeout where they are read.

    uvicorn.Config(app, http=guarded_protocol(header_timeout_s=10, max_header_bytes=16384))
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from gateway.metrics import REQUESTS_CUT

__all__ = ["guarded_protocol"]


def _refusal(status: bytes) -> bytes:
    return b"HTTP/1.1 " + status + b"\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


TOO_LARGE = _refusal(b"431 Request Header Fields Too Large")
TOO_SLOW = _refusal(b"408 Request Timeout")


def guarded_protocol(*, header_timeout_s: float, max_header_bytes: int) -> type[asyncio.Protocol]:
    """The protocol class for `uvicorn.Config(http=...)`."""

    class GuardedProtocol(HttpToolsProtocol):
        # "idle" between requests (uvicorn's keep-alive timeout watches), "headers" while a
        # request line and headers arrive (our timer watches), "request" after them, "cut"
        # once refused.
        _state = "idle"
        _header_bytes = 0
        _timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._expect_headers()

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_timer()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            if self._state == "cut":
                return  # the rest of a refused request: read and dropped (see `_cut`)
            if self._state == "idle":
                self._expect_headers()
            super().data_received(data)
            if self._state == "headers":  # this chunk did not finish them
                self._header_bytes += len(data)
                if self._header_bytes > max_header_bytes:
                    self._cut(TOO_LARGE, "header_too_large")

        def on_headers_complete(self) -> None:
            self._state = "request"
            self._stop_timer()
            super().on_headers_complete()

        def on_response_complete(self) -> None:
            self._state = "idle"
            super().on_response_complete()

        def _expect_headers(self) -> None:
            self._state, self._header_bytes = "headers", 0
            self._timer = self.loop.call_later(header_timeout_s, self._too_slow)

        def _stop_timer(self) -> None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

        def _too_slow(self) -> None:
            self._timer = None
            self._cut(TOO_SLOW, "header_too_slow")

        def _cut(self, answer: bytes, reason: str) -> None:
            # Answer, end our side, and keep reading (dropping it) a moment before closing:
            # closing with the client's bytes still unread would send it a reset, and it
            # might never see the answer.
            self._stop_timer()
            self._state = "cut"
            REQUESTS_CUT.labels(reason).inc()
            if not self.transport.is_closing():
                self.transport.write(answer)
                if self.transport.can_write_eof():
                    self.transport.write_eof()
                self.loop.call_later(1.0, self.transport.close)

    return GuardedProtocol
