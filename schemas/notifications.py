"""A rendered popup, the public view of it that storefronts receive, and the changes to it
after it was rendered (retracted, hidden, shown again, deleted, redacted).

Both travel on the notifications topic, keyed by shop, so a change to a popup is always
handled after the popup itself.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.base import Event

__all__ = [
    "STATUSES",
    "Notification",
    "NotificationChanged",
    "NotificationEvent",
    "NotificationStatus",
    "PublicNotification",
    "notification_id",
]

NotificationStatus = Literal["shown", "retracted", "hidden", "redacted"]
STATUSES: tuple[str, ...] = ("shown", "retracted", "hidden", "redacted")


def notification_id(*, shop: str, kind: str, source_id: str) -> str:
    """Deterministic, so every redelivery of one order renders the same notification."""
    return hashlib.sha256(f"{shop}\0{kind}\0{source_id}".encode()).hexdigest()[:32]


class PublicNotification(BaseModel):
    """Everything a storefront may show, and nothing else (no email, last name, totals...)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    kind: Literal["order"]
    text: str
    fields: dict[str, str]
    product_image: str | None = None
    product_url: str | None = None
    occurred_at: datetime


class Notification(Event):
    """A popup ready to publish and to record, keyed by shop on the notifications topic.

    `line_items` (Shopify line item id → quantity) is private: the worker compares refunds
    with it, storefronts never see it.
    """

    schema_version: Literal[2] = 2
    type: Literal["notification"] = "notification"
    id: str
    webhook_id: str
    shop: str
    kind: Literal["order"] = "order"
    order_id: str
    text: str
    fields: dict[str, str]
    product_id: str | None = None
    product_title: str
    product_image: str | None = None
    product_url: str | None = None
    line_items: dict[str, int] = Field(default_factory=dict)
    occurred_at: datetime
    created_at: datetime

    def public(self) -> PublicNotification:
        """The storefront's view; `fields` only ever holds public placeholders."""
        return PublicNotification(
            id=self.id,
            kind=self.kind,
            text=self.text,
            fields=self.fields,
            product_image=self.product_image,
            product_url=self.product_url,
            occurred_at=self.occurred_at,
        )


class NotificationChanged(Event):
    """Popups of one shop leave storefronts (`retracted`, `hidden`, `deleted`, `redacted`)
    or come back (`shown`, which carries the public view to replay).

    `retracted`: the order was cancelled or fully refunded; `redacted`: a customers/redact
    request erased the buyer; `hidden`/`shown`/`deleted`: the merchant moderated it.
    """

    schema_version: Literal[1] = 1
    type: Literal["notification.changed"] = "notification.changed"
    shop: str
    ids: tuple[str, ...] = Field(min_length=1)
    status: Literal["retracted", "hidden", "shown", "deleted", "redacted"]
    reason: str
    at: datetime
    webhook_id: str | None = None
    public: PublicNotification | None = None


NotificationEvent = Annotated[Notification | NotificationChanged, Field(discriminator="type")]
