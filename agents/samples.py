"""The sample order behind the dashboard's preview and "send a test notification"."""

from __future__ import annotations

from datetime import datetime, timedelta

from schemas import Buyer, LineItem, OrderEvent

__all__ = ["sample_order"]


def sample_order(*, shop: str, order_id: str, now: datetime) -> OrderEvent:
    """A plausible order placed two minutes ago (so `{time_ago}` shows something)."""
    return OrderEvent(
        event_id=f"{shop}/orders/{order_id}",
        webhook_id=f"sample-{order_id}",
        shop=shop,
        order_id=order_id,
        order_name="#TEST",
        created_at=now - timedelta(minutes=2),
        currency="USD",
        line_items=(LineItem(title="Merino Wool Sweater", variant_title="Oat / M", quantity=1),),
        buyer=Buyer(first_name="Emma", city="Toronto", province="Ontario", country_code="CA"),
    )
