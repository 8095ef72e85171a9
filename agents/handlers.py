"""What the webhooks agent does with each Shopify topic (`webhook_handlers`): orders are
normalized, joined with the shop's settings, status, order marks and product catalogue,
and rendered; cancellations and refunds mark the order and retract its popup; compliance
requests are recorded and redact; uninstall and shop redaction go to the lifecycle topic;
product changes update the catalogue (table `products`). Each calls pure stage functions
(`stages/`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, ParamSpec, Protocol, TypeVar

import structlog

from agents.metrics import EVENTS, observe_lag
from agents.policy import Policy
from agents.record import Recorder
from schemas import (
    DeadLetter,
    Notification,
    NotificationChanged,
    ShopLifecycle,
    ShopOrderMarks,
    ShopSettings,
    WebhookEnvelope,
    notification_id,
)
from stages.normalize import PRODUCT_TOPICS, customer_request, normalize, product_change, retraction
from stages.render import render, skip_reason
from stages.retract import marked, redacted_mark, withheld
from streams.tables import Tables, product_key
from streams.topics import Topics

__all__ = ["Handler", "Outcome", "Send", "Sink", "webhook_handlers"]

log = structlog.get_logger("proofstream.agents")

P = ParamSpec("P")
R = TypeVar("R")
Outcome = Notification | NotificationChanged | ShopLifecycle | DeadLetter | str
Handler = Callable[[WebhookEnvelope], Awaitable[Outcome]]


class Sink(Protocol):
    """Calls a sink, retrying while it is away (`agents.topology`)."""

    async def __call__(
        self, call: Callable[P, Awaitable[R]], /, *args: P.args, **kwargs: P.kwargs
    ) -> R: ...


class Send(Protocol):
    """Produces to a topic, traced (`agents.topology`)."""

    async def __call__(self, topic: Any, key: str | None, value: Any, /) -> None: ...


def webhook_handlers(
    *,
    topics: Topics,
    tables: Tables,
    recorder: Recorder,
    policy: Policy,
    clock: Callable[[], datetime],
    sink: Sink,
    send: Send,
) -> dict[str, Handler]:
    """The handler of each Shopify topic the pipeline acts on."""

    async def order(envelope: WebhookEnvelope) -> Outcome:
        order = normalize(envelope, buyer=policy.buyer_data)
        EVENTS.labels("normalize", "ok").inc()
        observe_lag("normalize", envelope.received_at, clock)
        settings = tables.settings.get(order.shop) or ShopSettings()
        status = tables.status.get(order.shop)
        marks = tables.marks.get(order.shop)
        now = clock()
        if status is not None and status.kind != "installed":
            reason: str | None = f"shop {status.kind}"
        else:
            mark = marks.orders.get(order.order_id) if marks else None
            reason = skip_reason(order, settings=settings, now=now, mark=mark)
        if reason:
            EVENTS.labels("render", "skipped").inc()
            log.info("render_skipped", webhook_id=order.webhook_id, reason=reason)
            return reason
        # The stream-table join: the catalogue's entry of the first line's product.
        product_id = order.line_items[0].product_id
        product = tables.products.get(product_key(order.shop, product_id)) if product_id else None
        notification = render(order, settings=settings, now=now, product=product)
        await send(topics.notifications, order.shop, notification)
        EVENTS.labels("render", "ok").inc()
        log.info(
            "rendered",
            webhook_id=order.webhook_id,
            shop=order.shop,
            notification_id=notification.id,
        )
        return notification

    async def retract(envelope: WebhookEnvelope) -> Outcome:
        event = retraction(envelope)
        shop, now = event.shop, clock()
        marks = tables.marks.get(shop) or ShopOrderMarks()
        mark = marked(marks.orders.get(event.order_id), event)
        tables.marks[shop] = marks.with_mark(event.order_id, mark).pruned(
            now=now, keep=policy.marks_kept
        )
        units: dict[str, int] | None = None
        if mark.retracted is None:  # a refund: is the whole order refunded now?
            units = await sink(recorder.order_units, shop=shop, order_id=event.order_id)
        reason = withheld(mark, units or {})
        if reason is None:
            EVENTS.labels("retract", "partial_refund").inc()
            log.info("refund_partial", webhook_id=event.webhook_id, order_id=event.order_id)
            return "partial refund"
        change = NotificationChanged(
            shop=shop,
            ids=(notification_id(shop=shop, kind="order", source_id=event.order_id),),
            status="retracted",
            reason=reason,
            at=now,
            webhook_id=event.webhook_id,
        )
        await send(topics.notifications, shop, change)
        EVENTS.labels("retract", reason).inc()
        log.info("order_retracted", webhook_id=event.webhook_id, order_id=event.order_id)
        return change

    async def customer(envelope: WebhookEnvelope) -> Outcome:
        request = customer_request(envelope)
        shop, now = request.shop, clock()
        if request.topic == "customers/redact" and request.order_ids:
            # Marked first: an order of this customer that arrives later never shows.
            marks = tables.marks.get(shop) or ShopOrderMarks()
            for order_id in request.order_ids:
                marks = marks.with_mark(order_id, redacted_mark(marks.orders.get(order_id), at=now))
            tables.marks[shop] = marks.pruned(now=now, keep=policy.marks_kept)
        details = await sink(recorder.customer_request, request)
        EVENTS.labels("compliance", request.topic).inc()
        log.info("compliance_recorded", webhook_id=request.webhook_id, topic=request.topic)
        if request.topic != "customers/redact" or not request.order_ids:
            return f"{request.topic}: {details}"
        change = NotificationChanged(
            shop=shop,
            ids=tuple(
                notification_id(shop=shop, kind="order", source_id=o) for o in request.order_ids
            ),
            status="redacted",
            reason="customers/redact",
            at=now,
            webhook_id=request.webhook_id,
        )
        await send(topics.notifications, shop, change)
        return change

    async def lifecycle(envelope: WebhookEnvelope) -> Outcome:
        event = ShopLifecycle(
            shop=envelope.shop,
            kind="uninstalled" if envelope.topic == "app/uninstalled" else "redacted",
            at=envelope.triggered_at or envelope.received_at,
            webhook_id=envelope.webhook_id,
        )
        await send(topics.lifecycle, event.shop, event)
        return event

    async def product(envelope: WebhookEnvelope) -> Outcome:
        change = product_change(envelope)
        key = product_key(change.shop, change.product_id)
        current = tables.products.get(key)
        if current is not None and current.updated_at and change.updated_at:
            if change.updated_at < current.updated_at:  # Shopify delivers out of order
                EVENTS.labels("catalogue", "stale").inc()
                return "stale product update"
        if change.product is None:
            tables.products.pop(key, None)
            EVENTS.labels("catalogue", "removed").inc()
            return f"product {change.product_id} removed"
        tables.products[key] = change.product
        EVENTS.labels("catalogue", "saved").inc()
        return f"product {change.product_id} saved"

    by_topic: dict[str, Handler] = {
        "orders/create": order,
        "orders/cancelled": retract,
        "refunds/create": retract,
        "customers/redact": customer,
        "customers/data_request": customer,
        "app/uninstalled": lifecycle,
        "shop/redact": lifecycle,
    }
    return by_topic | dict.fromkeys(PRODUCT_TOPICS, product)
