"""Request bodies read whole, within a size and a time (a body that trickles in is cut)."""

from __future__ import annotations

import asyncio

from starlette.requests import Request

from gateway.errors import PayloadTooLarge, RequestTimeout
from gateway.metrics import REQUESTS_CUT

__all__ = ["read_body"]


async def read_body(request: Request, *, limit: int, timeout_s: float) -> bytes:
    """The whole body: 413 past `limit` bytes, 408 if it takes longer than `timeout_s`."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"body over {limit} bytes")
    body = bytearray()
    try:
        async with asyncio.timeout(timeout_s):
            async for chunk in request.stream():
                body += chunk
                if len(body) > limit:
                    raise PayloadTooLarge(f"body over {limit} bytes")
    except TimeoutError:
        REQUESTS_CUT.labels("body_too_slow").inc()
        raise RequestTimeout(f"the body did not arrive within {timeout_s:g} s") from None
    return bytes(body)
