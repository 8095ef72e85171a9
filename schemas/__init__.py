"""The contract between stages: one frozen, versioned pydantic model per event.

Every stage reads and writes only these models; `Event.to_json` / `Event.from_json`
are the one (orjson) wire format.
"""

from schemas.base import Event
from schemas.deadletters import DeadLetter
from schemas.lifecycle import ShopLifecycle
from schemas.notifications import Notification, PublicNotification
from schemas.orders import Buyer, LineItem, OrderEvent
from schemas.settings import ShopSettings, ShopSettingsChanged, WidgetConfig
from schemas.shops import is_shop_domain
from schemas.webhooks import WebhookEnvelope

__all__ = [
    "Buyer",
    "DeadLetter",
    "Event",
    "LineItem",
    "Notification",
    "OrderEvent",
    "PublicNotification",
    "ShopLifecycle",
    "ShopSettings",
    "ShopSettingsChanged",
    "WebhookEnvelope",
    "WidgetConfig",
    "is_shop_domain",
]
