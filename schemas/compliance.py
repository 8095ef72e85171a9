"""Shopify's customer privacy requests, reduced to what the worker acts on."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["CustomerRequest"]


class CustomerRequest(BaseModel):
    """A `customers/data_request` or `customers/redact`: the shop, the customer and the
    orders the request covers (ids as strings: they can exceed 2^53)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    webhook_id: str
    shop: str
    topic: Literal["customers/data_request", "customers/redact"]
    order_ids: tuple[str, ...]
    customer_id: str | None = None
    request_id: str | None = None
