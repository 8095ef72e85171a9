"""The contract between stages: one frozen, versioned pydantic model per event.

Every stage reads and writes only these models; `Event.to_json` / `Event.from_json`
are the one (orjson) wire format.
"""

from schemas.base import Event
from schemas.compliance import CustomerRequest
from schemas.deadletters import DeadLetter
from schemas.engagement import EngagementCounts
from schemas.lifecycle import ShopLifecycle
from schemas.marks import OrderMark, ShopOrderMarks
from schemas.notifications import (
    Notification,
    NotificationChanged,
    NotificationEvent,
    PublicNotification,
    notification_id,
)
from schemas.orders import Buyer, LineItem, OrderEvent, OrderRetraction
from schemas.products import Product, ProductChange
from schemas.settings import ShopSettings, ShopSettingsChanged, WidgetConfig
from schemas.shops import is_shop_domain
from schemas.times import parse_time
from schemas.webhooks import WebhookEnvelope

__all__ = [
    "Buyer",
    "CustomerRequest",
    "DeadLetter",
    "EngagementCounts",
    "Event",
    "LineItem",
    "Notification",
    "NotificationChanged",
    "NotificationEvent",
    "OrderEvent",
    "OrderMark",
    "OrderRetraction",
    "Product",
    "ProductChange",
    "PublicNotification",
    "ShopOrderMarks",
    "ShopLifecycle",
    "ShopSettings",
    "ShopSettingsChanged",
    "WebhookEnvelope",
    "WidgetConfig",
    "is_shop_domain",
    "notification_id",
    "parse_time",
]
