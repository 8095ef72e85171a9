"""The whole pipeline in one place: raw webhooks → notifications → Redis.

    proofstream.webhooks.raw ──orders: normalize → OrderEvent → render──▶
    proofstream.notifications ──publish──▶ Redis (stream + pub/sub)
    (anything normalize cannot read) ──▶ proofstream.deadletters
    proofstream.settings ──settings──▶ table shop-settings (read by render)
                         ──project───▶ Redis (current settings, widget config)
    proofstream.lifecycle ─lifecycle─▶ table shop-status (read by render) and Redis
                                       (uninstalled: live clients closed; redacted: erased)

Each agent only loops, calls a pure stage function and sends. `concurrency=1` on
purpose: with more, Faust can commit past an in-flight message (faust #606).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
import structlog
from pydantic import ValidationError

from agents.errors import InvalidEvent, SinkUnavailable
from agents.metrics import EVENTS, LAG
from agents.normalize import normalize
from agents.project import Projector
from agents.publish import Publisher
from agents.render import render, skip_reason
from schemas import (
    DeadLetter,
    Notification,
    OrderEvent,
    ShopLifecycle,
    ShopSettings,
    ShopSettingsChanged,
    WebhookEnvelope,
)
from streams.tables import Tables
from streams.topics import RAW_WEBHOOKS, Topics

__all__ = ["Agents", "register"]

log = structlog.get_logger("proofstream.agents")

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Agents:
    """The registered Faust agents (tests drive them with `test_context()`)."""

    orders: Any
    publish: Any
    settings: Any
    project: Any
    lifecycle: Any


def _now() -> datetime:
    return datetime.now(UTC)


def register(
    app: Any,
    topics: Topics,
    tables: Tables,
    *,
    publisher: Publisher,
    projector: Projector,
    clock: Callable[[], datetime] = _now,
    retry_delays: tuple[float, ...] = (0.1, 0.5, 1.0, 2.0, 5.0),
) -> Agents:
    """Attach the agents to `app`; returns them."""

    @app.agent(topics.raw_webhooks, name="orders", concurrency=1)  # type: ignore[untyped-decorator]
    async def orders_agent(stream: Any) -> AsyncIterator[Notification | DeadLetter | str]:
        # normalize then render in one step: the OrderEvent between them never crosses Kafka
        # (that hop cost ~16 ms of p50 at 50 orders/s and a fifth to a quarter of the
        # worker's CPU; bench/RESULTS.md), and no topic holds another copy of buyers' data.
        async for event in stream.events():
            order = await _normalized(event)
            if isinstance(order, DeadLetter):
                yield order
                continue
            settings = tables.settings.get(order.shop) or ShopSettings()
            status = tables.status.get(order.shop)
            now = clock()
            if status is not None and status.kind != "installed":
                reason: str | None = f"shop {status.kind}"
            else:
                reason = skip_reason(order, settings=settings, now=now)
            if reason:
                EVENTS.labels("render", "skipped").inc()
                log.info("render_skipped", webhook_id=order.webhook_id, reason=reason)
                yield reason
                continue
            notification = render(order, settings=settings, now=now)
            await topics.notifications.send(key=order.shop, value=notification)
            EVENTS.labels("render", "ok").inc()
            log.info(
                "rendered",
                webhook_id=order.webhook_id,
                shop=order.shop,
                notification_id=notification.id,
            )
            yield notification

    async def _normalized(event: Any) -> OrderEvent | DeadLetter:
        raw: bytes = event.value
        key = event.key.decode() if isinstance(event.key, bytes) else event.key
        try:
            envelope = WebhookEnvelope.from_json(raw)
            order = normalize(envelope)
        except (InvalidEvent, ValidationError, ValueError) as exc:
            letter = DeadLetter(
                stage="normalize",
                reason=_reason(exc),
                source_topic=RAW_WEBHOOKS,
                key=key,
                webhook_id=_webhook_id(raw),
                original=raw,
                failed_at=clock(),
            )
            await topics.dead_letters.send(key=key, value=letter)
            EVENTS.labels("normalize", "dead_letter").inc()
            log.warning("dead_letter", webhook_id=letter.webhook_id, reason=letter.reason)
            return letter
        EVENTS.labels("normalize", "ok").inc()
        _observe("normalize", envelope.received_at, clock)
        return order

    @app.agent(topics.notifications, name="publish", concurrency=1)  # type: ignore[untyped-decorator]
    async def publish_agent(stream: Any) -> AsyncIterator[str | None]:
        async for notification in stream:
            stream_id = await _with_retries(publisher.publish, notification, retry_delays)
            EVENTS.labels("publish", "ok" if stream_id else "duplicate").inc()
            _observe("publish", notification.created_at, clock)
            log.info(
                "published" if stream_id else "duplicate_skipped",
                webhook_id=notification.webhook_id,
                shop=notification.shop,
                stream_id=stream_id,
            )
            yield stream_id

    @app.agent(topics.settings, name="settings", concurrency=1)  # type: ignore[untyped-decorator]
    async def settings_agent(stream: Any) -> AsyncIterator[ShopSettingsChanged]:
        # Event-sourced state: the table is the fold of every change, restored from its
        # changelog on restart and co-partitioned with orders so render reads it locally.
        async for change in stream:
            tables.settings[change.shop] = change.settings
            EVENTS.labels("settings", "ok").inc()
            log.info("settings_changed", shop=change.shop, changed_by=change.changed_by)
            yield change

    @app.agent(topics.settings, name="project", concurrency=1)  # type: ignore[untyped-decorator]
    async def project_agent(stream: Any) -> AsyncIterator[ShopSettingsChanged]:
        async for change in stream:
            await _with_retries(projector.settings, change, retry_delays)
            EVENTS.labels("project", "ok").inc()
            yield change

    @app.agent(topics.lifecycle, name="lifecycle", concurrency=1)  # type: ignore[untyped-decorator]
    async def lifecycle_agent(stream: Any) -> AsyncIterator[ShopLifecycle]:
        async for event in stream:
            if event.kind == "redacted":
                tables.settings.pop(event.shop, None)
            tables.status[event.shop] = event
            deleted = await _with_retries(projector.lifecycle, event, retry_delays)
            EVENTS.labels("lifecycle", event.kind).inc()
            log.info("shop_lifecycle", shop=event.shop, kind=event.kind, redis_keys_deleted=deleted)
            yield event

    return Agents(
        orders=orders_agent,
        publish=publish_agent,
        settings=settings_agent,
        project=project_agent,
        lifecycle=lifecycle_agent,
    )


async def _with_retries(
    sink: Callable[[T], Awaitable[R]], value: T, delays: tuple[float, ...]
) -> R:
    # Redis being away must not skip anything: hold the partition and retry, then let the
    # error stop the agent (the message is not committed and comes back).
    for delay in delays:
        try:
            return await sink(value)
        except SinkUnavailable as exc:
            log.warning("sink_retry", error=str(exc))
            await asyncio.sleep(delay)
    return await sink(value)


def _observe(stage: str, since: datetime, clock: Callable[[], datetime]) -> None:
    LAG.labels(stage).observe(max(0.0, (clock() - since).total_seconds()))


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
