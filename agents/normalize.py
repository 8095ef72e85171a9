"""Raw `orders/create` webhook envelope → `OrderEvent`: keep what social proof may show."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from agents.errors import InvalidEvent
from schemas import Buyer, LineItem, OrderEvent, WebhookEnvelope

__all__ = ["ORDER_TOPICS", "normalize"]

ORDER_TOPICS = frozenset({"orders/create"})


def normalize(envelope: WebhookEnvelope) -> OrderEvent:
    """Standardize one order; raises `InvalidEvent` saying what is wrong with it."""
    if envelope.topic not in ORDER_TOPICS:
        raise InvalidEvent(f"topic {envelope.topic!r} is not an order topic")
    order = envelope.payload
    order_id = _id(order.get("id"))
    if order_id is None:
        raise InvalidEvent("order has no id")
    items = [
        line
        for item in order.get("line_items") or ()
        if isinstance(item, dict) and (line := _line_item(item)) is not None
    ]
    if not items:
        raise InvalidEvent("order has no line item with a title")
    try:
        return OrderEvent(
            event_id=f"{envelope.shop}/orders/{order_id}",
            webhook_id=envelope.webhook_id,
            shop=envelope.shop,
            order_id=order_id,
            order_name=_text(order.get("name")),
            created_at=_created_at(order, envelope),
            triggered_at=envelope.triggered_at,
            currency=_text(order.get("currency")),
            line_items=tuple(items),
            buyer=_buyer(order),
            tags=_tags(order.get("tags")),
        )
    except ValidationError as exc:
        raise InvalidEvent(f"order does not fit OrderEvent: {exc.errors()[0]['msg']}") from exc


def _id(value: Any) -> str | None:
    # Shopify ids are integers that can exceed 2^53: they travel as strings from here on.
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        return None
    return str(value)


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    stripped = value.strip()
    return stripped or None


def _created_at(order: Mapping[str, Any], envelope: WebhookEnvelope) -> datetime:
    raw = order.get("created_at")
    if raw is None:
        return envelope.triggered_at or envelope.received_at
    if not isinstance(raw, str):
        raise InvalidEvent("created_at is not a string")
    try:
        return datetime.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidEvent(f"created_at {raw!r} is not an ISO-8601 time") from exc


def _line_item(item: Mapping[str, Any]) -> LineItem | None:
    title = _text(item.get("title"))
    if title is None:
        return None
    quantity = item.get("quantity")
    return LineItem(
        product_id=_id(item.get("product_id")),
        variant_id=_id(item.get("variant_id")),
        title=title,
        variant_title=_text(item.get("variant_title")),
        quantity=quantity if isinstance(quantity, int) and quantity > 0 else 1,
        price=_text(item.get("price")),
    )


def _buyer(order: Mapping[str, Any]) -> Buyer:
    # Only the first name and a coarse place: never the last name, street, email or phone.
    customer = _mapping(order.get("customer"))
    shipping = _mapping(order.get("shipping_address"))
    billing = _mapping(order.get("billing_address"))
    first_name = next(
        (name for s in (customer, shipping, billing) if (name := _text(s.get("first_name")))),
        None,
    )
    default_address = _mapping(customer.get("default_address"))
    place = next((a for a in (shipping, billing, default_address) if _text(a.get("city"))), {})
    return Buyer(
        first_name=first_name,
        city=_text(place.get("city")),
        province=_text(place.get("province")),
        country_code=_text(place.get("country_code")),
    )


def _tags(value: Any) -> tuple[str, ...]:
    # Shopify sends order tags as one comma-separated string.
    if not isinstance(value, str):
        return ()
    return tuple(tag for part in value.split(",") if (tag := part.strip()))


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}
