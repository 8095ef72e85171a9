"""What the dead-letter topic gets for input a stage cannot read: the original bytes, where
they came from and why, in words an operator can act on (`proofstream dlq list`)."""

from __future__ import annotations

from datetime import datetime

import orjson
from pydantic import ValidationError

from schemas import DeadLetter
from streams.topics import RAW_WEBHOOKS

__all__ = ["refused"]


def refused(
    raw: bytes, key: str | None, exc: Exception, *, stage: str, failed_at: datetime
) -> DeadLetter:
    """The dead letter of `raw` (a raw webhook envelope), refused by `stage` with `exc`."""
    return DeadLetter(
        stage=stage,
        reason=_reason(exc),
        source_topic=RAW_WEBHOOKS,
        key=key,
        webhook_id=_webhook_id(raw),
        original=raw,
        failed_at=failed_at,
    )


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "envelope"
        return f"invalid envelope: {where}: {first['msg']}"
    return str(exc) or type(exc).__name__


def _webhook_id(raw: bytes) -> str | None:
    try:
        value = orjson.loads(raw).get("webhook_id")
    except (orjson.JSONDecodeError, AttributeError):
        return None
    return value if isinstance(value, str) else None
