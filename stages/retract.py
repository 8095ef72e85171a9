"""When an order stops being social proof: cancelled, fully refunded, or its buyer's data
erased. Pure decisions over an order's `OrderMark` (the worker keeps the marks in a
table, so a cancel that arrives before its order is not lost)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from schemas import OrderMark, OrderRetraction

__all__ = ["fully_refunded", "marked", "redacted_mark", "withheld"]


def marked(previous: OrderMark | None, retraction: OrderRetraction) -> OrderMark:
    """The order's mark once `retraction` is applied; applying it twice changes nothing."""
    refunds = dict(previous.refunds) if previous else {}
    if retraction.refund_id is not None:
        refunds[retraction.refund_id] = dict(retraction.refunded)
    reason = previous.retracted if previous else None
    if reason is None and retraction.reason == "cancelled":
        reason = "cancelled"
    at = max(previous.at, retraction.at) if previous else retraction.at
    return OrderMark(at=at, retracted=reason, refunds=refunds)


def redacted_mark(previous: OrderMark | None, *, at: datetime) -> OrderMark:
    """A customers/redact covered the order: it must never show, whatever comes later."""
    return OrderMark(at=at, retracted="redacted", refunds=previous.refunds if previous else {})


def fully_refunded(units: Mapping[str, int], refunded: Mapping[str, int]) -> bool:
    """Every line item of the order (id → quantity) was refunded in full."""
    return bool(units) and all(refunded.get(item, 0) >= qty for item, qty in units.items())


def withheld(mark: OrderMark | None, units: Mapping[str, int]) -> str | None:
    """Why an order with this mark must not show (or no longer show), or None."""
    if mark is None:
        return None
    if mark.retracted is not None:
        return mark.retracted
    if fully_refunded(units, mark.refunded):
        return "refunded"
    return None
