"""The sample order behind the dashboard's preview and "send a test notification"."""

from __future__ import annotations

from datetime import datetime, timedelta

from schemas import OrderEvent, WebhookEnvelope
from stages.normalize import normalize

__all__ = ["sample_order", "sample_webhook"]


def sample_webhook(*, shop: str, order_id: str, now: datetime) -> WebhookEnvelope:
    """An `orders/create` delivery shaped as Shopify sends it, for an order placed two
    minutes ago (so `{time_ago}` shows something)."""
    return WebhookEnvelope(
        webhook_id=f"sample-{order_id}",
        topic="orders/create",
        shop=shop,
        triggered_at=now,
        received_at=now,
        payload={
            "id": order_id,
            "name": "#TEST",
            "created_at": (now - timedelta(minutes=2)).isoformat(),
            "currency": "USD",
            "line_items": [
                {
                    "id": 1,
                    "product_id": 1,
                    "title": "Merino Wool Sweater",
                    "variant_title": "Oat / M",
                    "quantity": 1,
                }
            ],
            "customer": {"first_name": "Emma"},
            "shipping_address": {"city": "Toronto", "province": "Ontario", "country_code": "CA"},
        },
    )


def sample_order(*, shop: str, order_id: str, now: datetime, buyer: bool = True) -> OrderEvent:
    """The sample webhook, normalized as the worker would (`buyer`: see `normalize`)."""
    return normalize(sample_webhook(shop=shop, order_id=order_id, now=now), buyer=buyer)
