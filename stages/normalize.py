"""Raw webhook envelopes → the events the worker acts on, keeping only what it needs.

`orders/create` → `OrderEvent` (what social proof may show); `orders/cancelled` and
`refunds/create` → `OrderRetraction`; `customers/data_request` and `customers/redact` →
`CustomerRequest`; `products/*` (and the install's catalogue seed) → `ProductChange`. Each
raises `InvalidEvent` saying what is wrong with a payload.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal, TypeGuard

from pydantic import ValidationError

from schemas import (
    Buyer,
    CustomerRequest,
    LineItem,
    OrderEvent,
    OrderRetraction,
    Product,
    ProductChange,
    WebhookEnvelope,
    parse_time,
)
from stages.errors import InvalidEvent

__all__ = ["PRODUCT_TOPICS", "customer_request", "normalize", "product_change", "retraction"]

# financial_status values that mean the money is gone: the order is no social proof.
_CLOSED_STATUSES: dict[str, Literal["voided", "refunded"]] = {
    "voided": "voided",
    "refunded": "refunded",
}


def normalize(envelope: WebhookEnvelope, *, buyer: bool = True) -> OrderEvent:
    """Standardize one `orders/create`. `buyer=False` keeps no first name or place (an app
    without Shopify's Level 2 protected customer data access)."""
    if envelope.topic != "orders/create":
        raise InvalidEvent(f"topic {envelope.topic!r} is not orders/create")
    order = envelope.payload
    order_id = _required_id(order.get("id"), "order has no id")
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
            buyer=_buyer(order) if buyer else Buyer(),
            tags=_tags(order.get("tags")),
            closed=_closed(order),
            test=order.get("test") is True,
        )
    except ValidationError as exc:
        raise InvalidEvent(f"order does not fit OrderEvent: {exc.errors()[0]['msg']}") from exc


def retraction(envelope: WebhookEnvelope) -> OrderRetraction:
    """An `orders/cancelled` (the order) or `refunds/create` (a refund of an order)."""
    payload = envelope.payload
    at = envelope.triggered_at or envelope.received_at
    if envelope.topic == "orders/cancelled":
        return OrderRetraction(
            webhook_id=envelope.webhook_id,
            shop=envelope.shop,
            order_id=_required_id(payload.get("id"), "cancelled order has no id"),
            reason="cancelled",
            at=at,
        )
    if envelope.topic == "refunds/create":
        refunded: dict[str, int] = {}
        for line in payload.get("refund_line_items") or ():
            line = _mapping(line)
            item_id = _id(line.get("line_item_id"))
            quantity = line.get("quantity")
            if item_id is not None and _positive(quantity):
                refunded[item_id] = refunded.get(item_id, 0) + quantity
        return OrderRetraction(
            webhook_id=envelope.webhook_id,
            shop=envelope.shop,
            order_id=_required_id(payload.get("order_id"), "refund has no order_id"),
            reason="refunded",
            refund_id=_required_id(payload.get("id"), "refund has no id"),
            refunded=refunded,
            at=at,
        )
    raise InvalidEvent(f"topic {envelope.topic!r} retracts nothing")


def customer_request(envelope: WebhookEnvelope) -> CustomerRequest:
    """A `customers/data_request` (`orders_requested`) or `customers/redact`
    (`orders_to_redact`)."""
    payload = envelope.payload
    topic: Literal["customers/data_request", "customers/redact"]
    if envelope.topic == "customers/data_request":
        topic, orders = "customers/data_request", payload.get("orders_requested")
    elif envelope.topic == "customers/redact":
        topic, orders = "customers/redact", payload.get("orders_to_redact")
    else:
        raise InvalidEvent(f"topic {envelope.topic!r} is not a customer request")
    if orders is not None and not isinstance(orders, list):
        raise InvalidEvent("the request's order list is not a list")
    return CustomerRequest(
        webhook_id=envelope.webhook_id,
        shop=envelope.shop,
        topic=topic,
        order_ids=tuple(order for value in orders or () if (order := _id(value)) is not None),
        customer_id=_id(_mapping(payload.get("customer")).get("id")),
        request_id=_id(_mapping(payload.get("data_request")).get("id")),
    )


PRODUCT_TOPICS = ("products/create", "products/update", "products/delete")


def product_change(envelope: WebhookEnvelope) -> ProductChange:
    """What the delivery says of one product; `InvalidEvent` when it cannot be read."""
    if envelope.topic not in PRODUCT_TOPICS:
        raise InvalidEvent(f"topic {envelope.topic!r} is not a product topic")
    payload = envelope.payload
    product_id = _required_id(payload.get("id"), "product without an id")
    updated_at = parse_time(payload.get("updated_at"))
    product = None
    status = payload.get("status")
    if envelope.topic != "products/delete" and (status is None or status == "active"):
        try:
            product = Product(
                product_id=product_id,
                handle=_text(payload.get("handle")) or "",
                title=_text(payload.get("title")) or "",
                image_url=_image(payload),
                updated_at=updated_at,
            )
        except ValidationError as exc:
            field = ".".join(str(p) for p in exc.errors()[0]["loc"])
            raise InvalidEvent(f"product {field}: {exc.errors()[0]['msg']}") from exc
    return ProductChange(
        shop=envelope.shop,
        webhook_id=envelope.webhook_id,
        product_id=product_id,
        product=product,
        updated_at=updated_at,
    )


def _id(value: Any) -> str | None:
    # Shopify ids are integers that can exceed 2^53: they travel as strings from here on.
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        return None
    return str(value)


def _required_id(value: Any, missing: str) -> str:
    found = _id(value)
    if found is None:
        raise InvalidEvent(missing)
    return found


def _positive(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


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


def _closed(order: Mapping[str, Any]) -> Literal["cancelled", "voided", "refunded"] | None:
    # Shopify's own test order arrives cancelled and voided; a POS order can arrive refunded.
    if order.get("cancelled_at"):
        return "cancelled"
    status = order.get("financial_status")
    return _CLOSED_STATUSES.get(status) if isinstance(status, str) else None


def _line_item(item: Mapping[str, Any]) -> LineItem | None:
    title = _text(item.get("title"))
    if title is None:
        return None
    quantity = item.get("quantity")
    return LineItem(
        id=_id(item.get("id")),
        product_id=_id(item.get("product_id")),
        variant_id=_id(item.get("variant_id")),
        title=title,
        variant_title=_text(item.get("variant_title")),
        quantity=quantity if _positive(quantity) else 1,
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


def _image(payload: Mapping[str, Any]) -> str | None:
    # The featured image: `image` in REST payloads, else the first of `images`.
    image = payload.get("image")
    if not isinstance(image, Mapping):
        images = payload.get("images")
        image = images[0] if isinstance(images, list) and images else None
    src = image.get("src") if isinstance(image, Mapping) else None
    return src if isinstance(src, str) and src.startswith("https://") else None
