"""`OrderEvent` + the shop's `ShopSettings` → `Notification`, or a reason to show nothing.

Only public fields reach the text; templates hold placeholders only (validated at save
time in `schemas.settings`), and the text is plain: storefronts insert it as text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from babel.dates import format_timedelta

from schemas import Notification, OrderEvent, OrderMark, Product, ShopSettings, notification_id
from stages.retract import withheld

__all__ = ["public_fields", "render", "render_template", "skip_reason"]

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
# "Emma in {city}" becomes "Emma" when the place is unknown, in any of our locales.
_WITHOUT_PLACE = re.compile(r"\s+\S+\s+\{(?:city|province|country)\}")
_SOMEONE = {"en": "Someone", "fr": "Quelqu'un", "de": "Jemand", "es": "Alguien"}
_JUST_NOW = {"en": "just now", "fr": "à l'instant", "de": "gerade eben", "es": "justo ahora"}


def skip_reason(
    order: OrderEvent, *, settings: ShopSettings, now: datetime, mark: OrderMark | None = None
) -> str | None:
    """Why this order must not be shown, or None to show it. `mark` is what later webhooks
    (which can arrive first) said about the order: cancelled, refunded, redacted."""
    if order.closed is not None:
        return f"arrived {order.closed}"
    if (reason := withheld(mark, order.units)) is not None:
        return reason
    if not settings.enabled:
        return "disabled"
    if order.test and not settings.show_test_orders:
        return "test order"
    hours = settings.hide_older_than_hours
    if hours is not None and now - order.created_at > timedelta(hours=hours):
        return "too old"
    excluded = {value.casefold() for value in settings.exclude_products}
    item = order.line_items[0]
    if excluded & {item.title.casefold(), (item.product_id or "").casefold()}:
        return "excluded product"
    if {tag.casefold() for tag in settings.exclude_tags} & {t.casefold() for t in order.tags}:
        return "excluded tag"
    return None


def _time_ago(occurred_at: datetime, now: datetime, locale: str) -> str:
    age = now - occurred_at
    if age < timedelta(minutes=1):
        return _JUST_NOW[locale]
    return format_timedelta(-age, add_direction=True, locale=locale, threshold=1.0)


def public_fields(order: OrderEvent, *, settings: ShopSettings, now: datetime) -> dict[str, str]:
    """The placeholder values a storefront may show: first name and place, as privacy allows."""
    item = order.line_items[0]
    buyer = order.buyer
    name = buyer.first_name
    if name is None or settings.privacy in ("anonymous", "product_only"):
        name = _SOMEONE[settings.locale]
    elif settings.privacy == "initial":
        name = name[0] + "."
    placed = settings.privacy != "product_only"
    return {
        "first_name": name,
        "city": (buyer.city or "") if placed else "",
        "province": (buyer.province or "") if placed else "",
        "country": (buyer.country_code or "") if placed else "",
        "product": item.title,
        "variant": item.variant_title or "",
        "quantity": str(item.quantity),
        "time_ago": _time_ago(order.created_at, now, settings.locale),
    }


def render_template(template: str, fields: Mapping[str, str]) -> str:
    """Substitute `{placeholder}`s in one pass (values are never re-read as placeholders),
    and drop "in {city}" when the place is unknown."""
    if not fields.get("city"):
        template = _WITHOUT_PLACE.sub("", template)
    return _PLACEHOLDER.sub(lambda m: fields.get(m.group(1), m.group(0)), template).strip()


def render(
    order: OrderEvent, *, settings: ShopSettings, now: datetime, product: Product | None = None
) -> Notification:
    """The popup for one order; templates rotate by order, stably across redeliveries.
    `product` (the catalogue's entry for the first line's product, when known) gives the
    image and the link; without it the popup has neither, never a broken one."""
    fields = public_fields(order, settings=settings, now=now)
    item = order.line_items[0]
    nid = notification_id(shop=order.shop, kind="order", source_id=order.order_id)
    templates = settings.effective_templates
    template = templates[int(nid, 16) % len(templates)]
    return Notification(
        id=nid,
        webhook_id=order.webhook_id,
        shop=order.shop,
        kind="order",
        order_id=order.order_id,
        text=render_template(template, fields),
        fields={k: v for k, v in fields.items() if v},
        product_id=item.product_id,
        product_title=item.title,
        product_image=product.image_url if product and settings.show_image else None,
        product_url=product.url if product and settings.link_to_product else None,
        line_items=order.units,
        occurred_at=order.created_at,
        created_at=now,
    )
