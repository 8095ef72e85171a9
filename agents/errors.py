"""Errors of the agents' sinks, and the context managers that translate the lower
libraries' connection errors into them at the adapter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import InterfaceError, OperationalError

from proofstream.errors import ProofstreamError

__all__ = ["SinkUnavailable", "database_errors", "redis_errors"]


class SinkUnavailable(ProofstreamError):
    """A sink (Redis, the database) cannot be reached; the agent retries and never skips
    the message."""


@asynccontextmanager
async def redis_errors() -> AsyncIterator[None]:
    """Redis being away becomes `SinkUnavailable`."""
    try:
        yield
    except (RedisConnectionError, RedisTimeoutError) as exc:
        raise SinkUnavailable(f"Redis: {exc}") from exc


@asynccontextmanager
async def database_errors() -> AsyncIterator[None]:
    """The database being away (or SQLite locked past its busy timeout) becomes
    `SinkUnavailable`."""
    try:
        yield
    except (OperationalError, InterfaceError, OSError) as exc:
        raise SinkUnavailable(f"database: {exc}") from exc
