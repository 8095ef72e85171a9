"""A shop's life with the app: installed, uninstalled, redacted (all its data erased)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from schemas.base import Event

__all__ = ["ShopLifecycle"]


class ShopLifecycle(Event):
    """Keyed by shop on the lifecycle topic; agents stop or resume the shop's popups.

    The latest `at` wins: installs come from the gateway, uninstalls and redactions from
    Shopify's webhooks through the worker, so they can arrive out of order.
    """

    schema_version: Literal[1] = 1
    shop: str
    kind: Literal["installed", "uninstalled", "redacted"]
    at: datetime
    webhook_id: str | None = None
