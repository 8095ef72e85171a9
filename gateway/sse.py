"""One storefront's server-sent event stream: frames written straight through to its socket.

A broadcast reaches thousands of clients, so a frame must cost each of them as little as
possible. `SSEClient.write` therefore steps the client's ASGI `send` coroutine on the spot
instead of waking a task per client: while the socket drains, uvicorn writes the chunk
to the transport and `send` returns without ever suspending. Only when a socket stops
draining does `send` suspend; that one write then finishes in a task of its own, frames
arriving meanwhile wait in a bounded backlog, and a client whose backlog overflows or
whose write stalls for `send_timeout` is dropped. It reconnects with Last-Event-ID and
replays what it missed, so one slow reader never holds up the others.
"""

from __future__ import annotations

import asyncio
import types
from collections import deque
from collections.abc import Callable, Coroutine, Generator
from dataclasses import dataclass
from typing import Any, cast

import structlog
from starlette.types import Message, Send

from gateway.metrics import SSE_DROPPED

__all__ = ["HEADERS", "Frame", "SSEClient", "StreamId", "body", "parse_stream_id"]

log = structlog.get_logger("proofstream.gateway.sse")

StreamId = tuple[int, int]

HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"x-accel-buffering", b"no"),  # proxies: pass each frame on at once
]


def parse_stream_id(value: str | bytes | None) -> StreamId | None:
    """`"1700000000000-3"` → `(1700000000000, 3)`; None for anything else."""
    if value is None:
        return None
    text = value.decode() if isinstance(value, bytes) else value
    ms, sep, seq = text.strip().partition("-")
    if not (sep and ms.isdigit() and seq.isdigit()):
        return None
    return int(ms), int(seq)


def body(chunk: bytes, *, more: bool = True) -> Message:
    """The ASGI message carrying `chunk`; `more=False` ends the response."""
    return {"type": "http.response.body", "body": chunk, "more_body": more}


@dataclass(frozen=True, slots=True)
class Frame:
    """One encoded SSE frame as an ASGI message, built once and shared by every client.

    `stream_id` orders notifications; frames without one (pings, control) are never
    filtered as already seen.
    """

    stream_id: StreamId | None
    message: Message

    @classmethod
    def of(cls, chunk: bytes, stream_id: StreamId | None = None) -> Frame:
        return cls(stream_id, body(chunk))


class SSEClient:
    """The write side of one SSE response; owned by the request that opened it."""

    __slots__ = ("_backlog", "_limit", "_on_stall", "_send", "_send_timeout", "_writer", "closed")

    def __init__(
        self,
        send: Send,
        *,
        backlog: int,
        send_timeout: float,
        on_stall: Callable[[], object],
    ) -> None:
        self._send = send
        self._limit = backlog
        self._send_timeout = send_timeout
        self._on_stall = on_stall
        # None: idle, the next frame is written at once. A deque: a write is in flight
        # (or the client is held), and frames queue behind it.
        self._backlog: deque[Frame] | None = deque()
        self._writer: asyncio.Task[None] | None = None
        self.closed = False

    def write(self, frame: Frame) -> None:
        """Write `frame` now if the socket takes it, else queue it (or drop a laggard)."""
        if self.closed:
            return
        if self._backlog is None:
            self._start(frame.message)
        elif len(self._backlog) < self._limit:
            self._backlog.append(frame)
        else:
            SSE_DROPPED.inc()
            self.end()

    def release(self, after: StreamId) -> None:
        """Stop holding frames: write those newer than `after`, then write through.

        What was held was admitted already, the end of the response included (a client
        dropped or said goodbye to while held is `closed`), so it bypasses `write`."""
        held, self._backlog = self._backlog or deque(), None
        for frame in held:
            if frame.stream_id is not None and frame.stream_id <= after:
                continue
            if self._backlog is None:
                self._start(frame.message)
            else:
                self._backlog.append(frame)

    def end(self, final: bytes = b"") -> None:
        """Finish the response after what is queued; the request's receive() then returns."""
        if self.closed:
            return
        last = Frame(None, body(final, more=False))
        if self._backlog is None:
            self._start(last.message)
        else:
            self._backlog.append(last)
        self.closed = True

    def cancel(self) -> None:
        """The request is over: abandon any write in flight."""
        self.closed = True
        if self._writer is not None:
            self._writer.cancel()

    def _start(self, message: Message) -> None:
        # Every ASGI server's send (and Starlette's wrappers of it) is an `async def`.
        coroutine = cast(Coroutine[Any, Any, None], self._send(message))
        try:
            blocked_on = coroutine.send(None)
        except StopIteration:
            return  # written: the usual case
        except Exception as exc:  # noqa: BLE001 - a broken connection ends this client only
            log.info("sse_write_failed", error=repr(exc))
            self.closed = True
            self._on_stall()
            return
        self._backlog = deque()
        self._writer = asyncio.get_running_loop().create_task(self._finish(coroutine, blocked_on))

    async def _finish(self, coroutine: Coroutine[Any, Any, None], blocked_on: object) -> None:
        try:
            async with asyncio.timeout(self._send_timeout):
                await _resume(coroutine, blocked_on)
            while self._backlog:
                frame = self._backlog.popleft()
                async with asyncio.timeout(self._send_timeout):
                    await self._send(frame.message)
        except TimeoutError:
            log.info("sse_client_stalled", send_timeout_s=self._send_timeout)
            SSE_DROPPED.inc()
            self.closed = True
            self._on_stall()
        else:
            self._backlog = None
        finally:
            self._writer = None


@types.coroutine
def _resume(coroutine: Coroutine[Any, Any, None], blocked_on: object) -> Generator[Any, Any, None]:
    """Go on driving a coroutine that was stepped by hand until it suspended on `blocked_on`.

    What `asyncio.Task` does for a coroutine it started itself (and what Python 3.12's eager
    tasks do): hand the awaited future to the running task, feed the result back in.
    """
    while True:
        try:
            sent = yield blocked_on
        except BaseException as exc:
            try:
                blocked_on = coroutine.throw(exc)
            except StopIteration:
                return
        else:
            try:
                blocked_on = coroutine.send(sent)
            except StopIteration:
                return
