"""`OrderEvent` → `Notification`: the text a shopper reads, built only from public fields."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import datetime

from schemas import Notification, OrderEvent

__all__ = ["DEFAULT_TEMPLATE", "notification_id", "public_fields", "render", "render_template"]

DEFAULT_TEMPLATE = "{first_name} in {city} just bought {product}"
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
# Used when the buyer's place is unknown, rather than printing "in ".
_WITHOUT_PLACE = re.compile(r"\s+(?:in|from)\s+\{(?:city|province|country)\}")


def notification_id(*, shop: str, kind: str, source_id: str) -> str:
    """Deterministic, so every redelivery of one order renders the same notification."""
    return hashlib.sha256(f"{shop}\0{kind}\0{source_id}".encode()).hexdigest()[:32]


def public_fields(order: OrderEvent) -> dict[str, str]:
    """The placeholder values a storefront may show: first name and place, never more."""
    item = order.line_items[0]
    buyer = order.buyer
    return {
        "first_name": buyer.first_name or "Someone",
        "city": buyer.city or "",
        "province": buyer.province or "",
        "country": buyer.country_code or "",
        "product": item.title,
        "variant": item.variant_title or "",
        "quantity": str(item.quantity),
    }


def render_template(template: str, fields: Mapping[str, str]) -> str:
    """Substitute `{placeholder}`s, and drop "in {city}" when the place is unknown."""
    if not fields.get("city"):
        template = _WITHOUT_PLACE.sub("", template)
    return _PLACEHOLDER.sub(lambda m: fields.get(m.group(1), m.group(0)), template).strip()


def render(order: OrderEvent, *, now: datetime, template: str = DEFAULT_TEMPLATE) -> Notification:
    """The popup for one order."""
    fields = public_fields(order)
    item = order.line_items[0]
    return Notification(
        id=notification_id(shop=order.shop, kind="order", source_id=order.order_id),
        webhook_id=order.webhook_id,
        shop=order.shop,
        kind="order",
        text=render_template(template, fields),
        fields={k: v for k, v in fields.items() if v},
        product_image=item.image_url,
        product_url=item.product_url,
        occurred_at=order.created_at,
        created_at=now,
    )
