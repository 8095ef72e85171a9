"""What Shopify sends about an order after `orders/create`: `orders/cancelled` (the order,
cancelled) and `refunds/create` (a refund of some or all of its line items)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

__all__ = ["cancelled", "refund"]


def _time(moment: datetime | None) -> str:
    return (moment or datetime.now(UTC)).replace(microsecond=0).isoformat()


def cancelled(
    order: Mapping[str, Any], *, at: datetime | None = None, reason: str = "customer"
) -> dict[str, Any]:
    """`orders/cancelled`: the whole order again, cancelled (and its payment voided or
    refunded, as Shopify does when the merchant cancels with a refund)."""
    paid = order.get("financial_status") == "paid"
    return {
        **order,
        "cancelled_at": _time(at),
        "cancel_reason": reason,
        "financial_status": "refunded" if paid else "voided",
        "updated_at": _time(at),
    }


def refund(
    order: Mapping[str, Any],
    *,
    quantities: Mapping[int, int] | None = None,
    refund_id: int | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """`refunds/create` for `order`: `quantities` (line item id → quantity) or, when None,
    every line item in full. Each refund line carries its line item, as Shopify's do."""
    lines = {item["id"]: item for item in order.get("line_items") or ()}
    if quantities is None:
        quantities = {line_id: line["quantity"] for line_id, line in lines.items()}
    number = refund_id if refund_id is not None else random.randint(10**11, 10**12)  # noqa: S311
    refund_lines = [
        {
            "id": number * 10 + index,
            "line_item_id": line_id,
            "quantity": quantity,
            "restock_type": "return",
            "subtotal": float(lines[line_id]["price"]) * quantity,
            "line_item": lines[line_id],
        }
        for index, (line_id, quantity) in enumerate(quantities.items())
    ]
    return {
        "id": number,
        "order_id": order["id"],
        "created_at": _time(at),
        "processed_at": _time(at),
        "note": "simulated refund",
        "restock": True,
        "refund_line_items": refund_lines,
        "transactions": [
            {
                "id": number + 1,
                "order_id": order["id"],
                "kind": "refund",
                "status": "success",
                "amount": f"{sum(line['subtotal'] for line in refund_lines):.2f}",
                "currency": order.get("currency"),
            }
        ],
        "order_adjustments": [],
    }
