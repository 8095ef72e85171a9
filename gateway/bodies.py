"""Request bodies read whole, within a size and a time (a body that trickles in is cut),
and validated by their pydantic model (422 naming each wrong field)."""

from __future__ import annotations

import asyncio
from typing import TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from gateway.errors import BadRequest, InvalidInput, PayloadTooLarge, RequestTimeout
from gateway.metrics import REQUESTS_CUT

__all__ = ["model_body", "read_body"]

M = TypeVar("M", bound=BaseModel)


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


async def model_body(
    request: Request, model: type[M], *, what: str, limit: int, timeout_s: float
) -> M:
    """The JSON body (whatever its Content-Type: the widget sends text/plain, a simple
    cross-origin request) validated by `model`; 400 if it is not JSON, 422 ("invalid
    <what>", each wrong field named) if it does not fit."""
    raw = await read_body(request, limit=limit, timeout_s=timeout_s)
    try:
        return model.model_validate(orjson.loads(raw))
    except orjson.JSONDecodeError as exc:
        raise BadRequest("body is not JSON") from exc
    except ValidationError as exc:
        raise invalid(f"invalid {what}", exc) from exc


def invalid(message: str, exc: ValidationError) -> InvalidInput:
    """A 422 naming each invalid field (by its path) and what is wrong with it."""
    fields = {
        ".".join(str(part) for part in error["loc"]) or "body": error["msg"].removeprefix(
            "Value error, "
        )
        for error in exc.errors()
    }
    return InvalidInput(message, fields=fields)
