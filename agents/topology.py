"""The whole pipeline in one place.

    proofstream.webhooks.raw ──webhooks: by Shopify topic──
        orders/create        normalize → render ──────────────▶ proofstream.notifications
        orders/cancelled,    mark the order (table order-marks);   (Notification)
        refunds/create       cancelled or fully refunded ──────▶ (NotificationChanged: retracted)
        customers/redact     mark the orders, record the request ▶ (NotificationChanged: redacted)
        customers/data_request  record what the record holds (SQL)
        products/*           save or remove the product (table products; an order's
                             render joins its first line's product: image, link)
        app/uninstalled,     ───────────────────────────────────▶ proofstream.lifecycle
        shop/redact
        (anything it cannot read) ──────────────────────────────▶ proofstream.deadletters
    proofstream.notifications ──publish──▶ Redis: replay stream + live channel (and take-downs)
                              ──record───▶ SQL: the notification record (batched)
    proofstream.engagement ──engagement──▶ SQL: delivered, impressions, hovers, clicks
                                           per notification and per shop and day
    proofstream.settings ──settings──▶ table shop-settings (read by webhooks)
                         ──project───▶ Redis (current settings, widget config)
    proofstream.lifecycle ──lifecycle──▶ table shop-status (read by webhooks), Redis; on
                                         redaction the shop's tables, keys and rows erased
    every hour (leader) ──retention──▶ SQL rows older than PROOFSTREAM_RETENTION_DAYS
    every 5 s ──reproject──▶ Redis again, if it came back empty (its projections restored)

Each agent only loops, calls pure stage functions (`stages/`) and sinks, and sends.
`concurrency=1` on purpose: with more, Faust can commit past an in-flight message
(faust #606). Every topic is keyed by shop, so one shop's events keep their order.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

import structlog
from opentelemetry.trace import NoOpTracer, SpanKind, Tracer
from pydantic import ValidationError

from agents.deadletters import refused
from agents.errors import SinkUnavailable
from agents.handlers import Outcome, webhook_handlers
from agents.metrics import EVENTS, observe_lag
from agents.policy import Policy
from agents.project import Projector
from agents.publish import Publisher
from agents.record import Recorder
from proofstream.tracing import kafka_headers, traceparent
from schemas import (
    DeadLetter,
    EngagementCounts,
    Notification,
    NotificationChanged,
    ShopLifecycle,
    ShopSettingsChanged,
    WebhookEnvelope,
)
from stages.errors import InvalidEvent
from streams.tables import Tables, shop_of_product_key
from streams.topics import Topics

__all__ = ["Agents", "register"]

log = structlog.get_logger("proofstream.agents")

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Agents:
    """The registered Faust agents (tests drive them with `test_context()`)."""

    webhooks: Any
    publish: Any
    record: Any
    engagement: Any
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
    recorder: Recorder,
    policy: Policy = Policy(),
    clock: Callable[[], datetime] = _now,
    tracer: Tracer | None = None,
) -> Agents:
    """Attach the agents to `app`; returns them. With a `tracer`, each webhook's handling
    and each publish is a span (inside Faust's `process` span of the event)."""
    tracer = tracer or NoOpTracer()

    async def sink(call: Callable[P, Awaitable[R]], /, *args: P.args, **kwargs: P.kwargs) -> R:
        # A sink being away must not skip anything: hold the partition and retry, then let
        # the error stop the agent (the message is not committed and comes back).
        for delay in policy.retry_delays:
            try:
                return await call(*args, **kwargs)
            except SinkUnavailable as exc:
                log.warning("sink_retry", error=str(exc))
                await asyncio.sleep(delay)
        return await call(*args, **kwargs)

    async def send(topic: Any, key: str | None, value: Any) -> None:
        # A span per produce, whose context rides in the record's headers to the next agent.
        name = str(topic)  # the topic's name (a test's in-memory channel: "<ANON>")
        with tracer.start_as_current_span(
            f"{name} send",
            kind=SpanKind.PRODUCER,
            attributes={"messaging.system": "kafka", "messaging.destination.name": name},
        ):
            await topic.send(key=key, value=value, headers=kafka_headers())

    # Per shop and topic, when the last delivery was received: flushed to Redis by a timer
    # (one write per flush, not per webhook) for `GET /api/status`.
    delivered: dict[str, dict[str, datetime]] = {}

    @app.agent(topics.raw_webhooks, name="webhooks", concurrency=1)  # type: ignore[untyped-decorator]
    async def webhooks_agent(stream: Any) -> AsyncIterator[Outcome]:
        async for event in stream.events():
            raw: bytes = event.value
            key = event.key.decode() if isinstance(event.key, bytes) else event.key
            try:
                envelope = WebhookEnvelope.from_json(raw)
                delivered.setdefault(envelope.shop, {})[envelope.topic] = envelope.received_at
                handler = handlers.get(envelope.topic)
                if handler is None:
                    raise InvalidEvent(f"no handler for topic {envelope.topic!r}")
                with tracer.start_as_current_span(
                    f"handle {envelope.topic}",
                    attributes={
                        "proofstream.shop": envelope.shop,
                        "proofstream.webhook_id": envelope.webhook_id,
                    },
                ):
                    outcome = await handler(envelope)
            except (InvalidEvent, ValidationError, ValueError) as exc:
                outcome = await dead_letter(raw, key, exc)
            yield outcome

    async def dead_letter(raw: bytes, key: str | None, exc: Exception) -> DeadLetter:
        letter = refused(raw, key, exc, stage="normalize", failed_at=clock())
        await send(topics.dead_letters, key, letter)
        EVENTS.labels("normalize", "dead_letter").inc()
        log.warning("dead_letter", webhook_id=letter.webhook_id, reason=letter.reason)
        return letter

    handlers = webhook_handlers(
        topics=topics,
        tables=tables,
        recorder=recorder,
        policy=policy,
        clock=clock,
        sink=sink,
        send=send,
    )

    @app.agent(topics.notifications, name="publish", concurrency=1)  # type: ignore[untyped-decorator]
    async def publish_agent(stream: Any) -> AsyncIterator[str | int | None]:
        async for event in stream:
            if isinstance(event, NotificationChanged):
                touched = await sink(publisher.change, event)
                EVENTS.labels("publish", event.status).inc()
                log.info("publish_changed", shop=event.shop, status=event.status, entries=touched)
                yield touched
                continue
            with tracer.start_as_current_span(
                "publish",
                kind=SpanKind.PRODUCER,
                attributes={
                    "proofstream.shop": event.shop,
                    "proofstream.notification_id": event.id,
                },
            ):
                stream_id = await sink(publisher.publish, event, trace=traceparent())
            EVENTS.labels("publish", "ok" if stream_id else "duplicate").inc()
            observe_lag("publish", event.created_at, clock)
            log.info(
                "published" if stream_id else "duplicate_skipped",
                webhook_id=event.webhook_id,
                shop=event.shop,
                stream_id=stream_id,
            )
            yield stream_id

    @app.agent(topics.notifications, name="record", concurrency=1)  # type: ignore[untyped-decorator]
    async def record_agent(stream: Any) -> AsyncIterator[int]:
        # Batched: one transaction (and one INSERT per run of new rows) per batch. take()
        # acks a batch only once the loop resumes, after the commit (at-least-once).
        async for batch in stream.take(policy.batch, within=policy.batch_within_s):
            recorded = await sink(recorder.write, batch)
            EVENTS.labels("record", "saved").inc(recorded.saved)
            EVENTS.labels("record", "changed").inc(recorded.changed)
            newest = max((e.created_at for e in batch if isinstance(e, Notification)), default=None)
            if newest is not None:
                observe_lag("record", newest, clock)
            yield recorded.saved

    @app.agent(topics.engagement, name="engagement", concurrency=1)  # type: ignore[untyped-decorator]
    async def engagement_agent(stream: Any) -> AsyncIterator[int]:
        async for batch in stream.take(policy.batch, within=policy.batch_within_s):
            reports = [report for report in batch if isinstance(report, EngagementCounts)]
            shops = await sink(recorder.add_engagement, reports)
            EVENTS.labels("engagement", "ok").inc(len(reports))
            yield shops

    @app.agent(topics.settings, name="settings", concurrency=1)  # type: ignore[untyped-decorator]
    async def settings_agent(stream: Any) -> AsyncIterator[ShopSettingsChanged]:
        # Event-sourced state: the table is the fold of every change, restored from its
        # changelog on restart and co-partitioned with webhooks so render reads it locally.
        async for change in stream:
            tables.settings[change.shop] = change.settings
            EVENTS.labels("settings", "ok").inc()
            log.info("settings_changed", shop=change.shop, changed_by=change.changed_by)
            yield change

    @app.agent(topics.settings, name="project", concurrency=1)  # type: ignore[untyped-decorator]
    async def project_agent(stream: Any) -> AsyncIterator[ShopSettingsChanged]:
        async for change in stream:
            await sink(projector.settings, change)
            EVENTS.labels("project", "ok").inc()
            yield change

    @app.agent(topics.lifecycle, name="lifecycle", concurrency=1)  # type: ignore[untyped-decorator]
    async def lifecycle_agent(stream: Any) -> AsyncIterator[ShopLifecycle | None]:
        async for event in stream:
            current = tables.status.get(event.shop)
            if current is not None and current.at > event.at:
                # An uninstall that reaches us after a later reinstall (or the reverse).
                EVENTS.labels("lifecycle", "stale").inc()
                log.info("shop_lifecycle_stale", shop=event.shop, kind=event.kind)
                yield None
                continue
            tables.status[event.shop] = event
            erased: dict[str, int] = {}
            if event.kind == "redacted":
                tables.settings.pop(event.shop, None)
                tables.marks.pop(event.shop, None)
                for key in [k for k in tables.products if shop_of_product_key(k) == event.shop]:
                    tables.products.pop(key, None)
                erased = await sink(recorder.erase_shop, event.shop)
            deleted = await sink(projector.lifecycle, event)
            EVENTS.labels("lifecycle", event.kind).inc()
            log.info(
                "shop_lifecycle",
                shop=event.shop,
                kind=event.kind,
                redis_keys_deleted=deleted,
                rows_deleted=erased,
            )
            yield event

    @app.timer(interval=policy.projection_check_s)  # type: ignore[untyped-decorator]
    async def reproject() -> None:
        # Each worker for the shops of its own partitions (its tables hold only those).
        if await sink(projector.lost):
            restored = await sink(
                projector.restore, dict(tables.settings.items()), dict(tables.status.items())
            )
            EVENTS.labels("project", "restored").inc(restored)
            log.info("projections_restored", shops=restored)

    @app.timer(interval=policy.deliveries_every_s)  # type: ignore[untyped-decorator]
    async def deliveries() -> None:
        # Never for a redacted shop: its keys were erased and must stay so (the shop/redact
        # delivery itself is noted before the lifecycle agent marks the shop redacted).
        latest = {
            shop: topics
            for shop, topics in delivered.items()
            if (status := tables.status.get(shop)) is None or status.kind != "redacted"
        }
        delivered.clear()
        if latest:
            await sink(projector.deliveries, latest)

    @app.timer(interval=policy.retention_every_s, on_leader=True)  # type: ignore[untyped-decorator]
    async def retention() -> None:
        deleted = await sink(recorder.expire, before=clock() - policy.record_kept)
        EVENTS.labels("retention", "deleted").inc(deleted)
        log.info("retention_applied", rows_deleted=deleted, kept_days=policy.record_kept.days)

    return Agents(
        webhooks=webhooks_agent,
        publish=publish_agent,
        record=record_agent,
        engagement=engagement_agent,
        settings=settings_agent,
        project=project_agent,
        lifecycle=lifecycle_agent,
    )
