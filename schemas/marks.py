"""What the worker remembers about a shop's orders that must not (or no longer) show.

One value per shop in the changelog-backed `order-marks` table, so the entry lives in
the shop's partition beside its webhooks. Marks expire (`ShopOrderMarks.pruned`), so the
table holds at most the orders cancelled, refunded or redacted within the retention.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.base import Event

__all__ = ["OrderMark", "ShopOrderMarks"]


class OrderMark(BaseModel):
    """One order: why it must never show (if it must not), and its refunds so far (refund
    id → line item id → quantity; by id, so a refund handled twice counts once)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: datetime
    retracted: Literal["cancelled", "refunded", "redacted"] | None = None
    refunds: dict[str, dict[str, int]] = Field(default_factory=dict)

    @property
    def refunded(self) -> dict[str, int]:
        """Line item id → quantity refunded, over every refund."""
        total: dict[str, int] = {}
        for lines in self.refunds.values():
            for item, quantity in lines.items():
                total[item] = total.get(item, 0) + quantity
        return total


class ShopOrderMarks(Event):
    """Order id → mark, for one shop."""

    schema_version: Literal[1] = 1
    orders: dict[str, OrderMark] = Field(default_factory=dict)

    def pruned(self, *, now: datetime, keep: timedelta) -> ShopOrderMarks:
        """Without the marks older than `keep` (a webhook that late cannot arrive)."""
        return ShopOrderMarks(
            orders={order: mark for order, mark in self.orders.items() if now - mark.at <= keep}
        )

    def with_mark(self, order_id: str, mark: OrderMark) -> ShopOrderMarks:
        return ShopOrderMarks(orders={**self.orders, order_id: mark})
