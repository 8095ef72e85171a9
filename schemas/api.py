"""The bodies of the merchant API (`/api/*`): what it accepts and what it answers.

`gateway/openapi.py` builds the OpenAPI document from these and the route table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.notifications import NotificationStatus, PublicNotification
from schemas.settings import ShopSettings, WidgetConfig

__all__ = [
    "Accepted",
    "EmbedStatus",
    "ErrorBody",
    "InvalidBody",
    "Moderation",
    "NotificationList",
    "NotificationQuery",
    "Preview",
    "Product",
    "SettingsSaved",
    "SettingsView",
    "StoredNotificationView",
    "WebhookResult",
]


class _Body(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ErrorBody(_Body):
    """Every refusal: what went wrong, in words fit for the client."""

    error: str


class InvalidBody(ErrorBody):
    """A 422: the message of each invalid field, by its path."""

    fields: dict[str, str]


class Accepted(_Body):
    """The change was produced as an event; the worker applies it shortly."""

    status: Literal["accepted"] = "accepted"


class NotificationQuery(_Body):
    """`GET /api/notifications` filters (all optional, combined) and paging."""

    since: datetime | None = Field(default=None, description="occurred at or after (ISO 8601)")
    until: datetime | None = Field(default=None, description="occurred before (ISO 8601)")
    kind: Literal["order"] | None = None
    status: NotificationStatus | None = None
    product_id: str | None = Field(default=None, max_length=64)
    q: str | None = Field(
        default=None, max_length=200, description="text in the product title (any case)"
    )
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(
        default=None, max_length=200, description="`next` of the previous page"
    )


class Product(_Body):
    """The product a notification shows."""

    id: str | None
    title: str
    url: str | None
    image: str | None


class StoredNotificationView(_Body):
    """One stored notification, as the dashboard shows it."""

    id: str
    kind: str
    status: NotificationStatus
    text: str
    fields: dict[str, str]
    product: Product
    order_id: str
    occurred_at: datetime
    published_at: datetime
    delivered: int = Field(description="SSE clients it was written to, over every gateway")


class NotificationList(_Body):
    """A page of notifications, newest first; `next` is null on the last page."""

    notifications: list[StoredNotificationView]
    next: str | None


class Moderation(_Body):
    """`PATCH /api/notifications/{id}`: hide a popup from storefronts, or show it again."""

    status: Literal["hidden", "shown"]


class SettingsView(_Body):
    """The shop's settings, and what the form needs to edit templates."""

    shop: str
    settings: ShopSettings
    placeholders: list[str]
    default_templates: dict[str, str]


class SettingsSaved(_Body):
    """Settings accepted (202); the worker applies them to the orders after it."""

    status: Literal["accepted"] = "accepted"
    settings: ShopSettings


class Preview(_Body):
    """The sample order rendered with the posted settings, and the widget's config."""

    notification: PublicNotification
    config: WidgetConfig


class EmbedStatus(_Body):
    """Whether the main theme has the app embed on, and where to turn it on."""

    enabled: bool
    theme: str | None
    activate_url: str


class WebhookResult(_Body):
    """What the gateway did with a verified webhook: produced it to Kafka (`accepted`),
    recognised a repeat (`duplicate`), or nothing, for a topic we do not handle."""

    status: Literal["accepted", "duplicate", "ignored"]
