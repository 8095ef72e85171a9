"""A Shopify order reduced to what social proof may use (no email, phone, street or totals),
and what later webhooks say about it (cancelled, refunded)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from schemas.base import Event

__all__ = ["Buyer", "LineItem", "OrderEvent", "OrderRetraction"]


class LineItem(BaseModel):
    """One product line; ids are strings because Shopify's can exceed 2^53."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str | None = None
    product_id: str | None = None
    variant_id: str | None = None
    title: str
    variant_title: str | None = None
    quantity: int = 1


class Buyer(BaseModel):
    """The only customer facts we keep: first name and coarse location."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    first_name: str | None = None
    city: str | None = None
    province: str | None = None
    country_code: str | None = None


class OrderEvent(Event):
    """A normalized `orders/create` (in memory between normalize and render).

    `closed` says why an order arrived already over (`cancelled`, `voided`, `refunded`):
    such an order is no social proof and never shows.
    """

    schema_version: Literal[1] = 1
    event_id: str
    webhook_id: str
    shop: str
    order_id: str
    order_name: str | None = None
    created_at: datetime
    triggered_at: datetime | None = None
    currency: str | None = None
    line_items: tuple[LineItem, ...]
    buyer: Buyer = Buyer()
    tags: tuple[str, ...] = ()
    closed: Literal["cancelled", "voided", "refunded"] | None = None
    test: bool = False  # Shopify's `test: true`: placed with a test gateway

    @property
    def units(self) -> dict[str, int]:
        """Line item id → quantity ordered (lines without an id are left out)."""
        return {item.id: item.quantity for item in self.line_items if item.id is not None}


class OrderRetraction(BaseModel):
    """An `orders/cancelled` or `refunds/create` delivery, reduced to what retraction needs:
    which order, and for a refund how many of each line item it gave back."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    webhook_id: str
    shop: str
    order_id: str
    reason: Literal["cancelled", "refunded"]
    refund_id: str | None = None
    refunded: dict[str, int] = {}
    at: datetime
