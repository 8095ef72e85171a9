"""The bodies of the merchant API (`/api/*`): what it accepts and what it answers.

`gateway/openapi.py` builds the OpenAPI document from these and the route table.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.notifications import NotificationStatus, PublicNotification
from schemas.settings import ShopSettings, WidgetConfig
from schemas.shops import SHOP_DOMAIN_PATTERN
from schemas.times import UtcTime

__all__ = [
    "Accepted",
    "IntegrationStatus",
    "AuthCallbackQuery",
    "AuthInstallQuery",
    "Engagement",
    "EngagementDay",
    "EngagementQuery",
    "StorefrontEvent",
    "StreamQuery",
    "EmbedStatus",
    "ErrorBody",
    "ID_PATTERN",
    "InvalidBody",
    "Liveness",
    "Moderation",
    "NotificationList",
    "NotificationQuery",
    "Preview",
    "Product",
    "Readiness",
    "SettingsSaved",
    "SettingsView",
    "StoredNotificationView",
    "WebhookResult",
]

# Shopify ids and our notification ids: never a character a database or a log would trip on.
ID_PATTERN = r"^[A-Za-z0-9._-]{1,64}$"


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

    since: UtcTime | None = Field(default=None, description="occurred at or after (ISO 8601)")
    until: UtcTime | None = Field(default=None, description="occurred before (ISO 8601)")
    kind: Literal["order"] | None = None
    status: NotificationStatus | None = None
    product_id: str | None = Field(default=None, pattern=ID_PATTERN)
    q: str | None = Field(
        default=None,
        max_length=200,
        pattern=r"^[^\x00]*$",
        description="text in the product title (any case)",
    )
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9_-]{1,200}$", description="`next` of the previous page"
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
    impressions: int = Field(description="pages that showed it a second or more, visible")
    hovers: int
    clicks: int = Field(description="clicks on its product link")
    click_through: float | None = Field(description="clicks / impressions (none without any)")


class EngagementQuery(_Body):
    """`GET /api/engagement`: how many days back, today included."""

    days: int = Field(default=14, ge=1, le=90)


class EngagementDay(_Body):
    """One day (UTC) of a shop's engagement."""

    day: date
    delivered: int
    impressions: int
    hovers: int
    clicks: int
    click_through: float | None


class Engagement(_Body):
    """The shop's engagement per day, oldest first (days with nothing left out)."""

    days: list[EngagementDay]


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


class IntegrationStatus(_Body):
    """What to check first when popups do not show: the install, the offline token, the
    app embed, what the pipeline recorded and refused for the shop lately, and the lag."""

    shop: str
    installed: bool
    installed_at: datetime | None
    uninstalled_at: datetime | None
    scopes: list[str]
    api_version: str | None
    offline_token_expires_at: datetime | None  # None: a token that does not expire
    refresh_token_expires_at: datetime | None
    app_embed: Literal["on", "off", "unknown"]  # unknown: Shopify could not be asked
    last_deliveries: dict[str, datetime]  # Shopify topic → when its last delivery came
    notifications_24h: int
    last_notification_at: datetime | None
    dead_letters_24h: int | None  # None: the broker could not be read
    messages_waiting: int | None  # the worker group's lag, all shops; None: not read yet


class WebhookResult(_Body):
    """What the gateway did with a verified webhook: produced it to Kafka (`accepted`),
    recognised a repeat (`duplicate`), or nothing, for a topic we do not handle."""

    status: Literal["accepted", "duplicate", "ignored"]


class StreamQuery(BaseModel):
    """What the widget may add to `GET /v1/storefront/{shop}/stream`."""

    model_config = ConfigDict(frozen=True, extra="allow")  # `key`, cache busters

    last_event_id: str | None = Field(
        default=None,
        pattern=r"^[0-9]{1,20}-[0-9]{1,20}$",
        description="the id of the last notification this browser got (as Last-Event-ID)",
    )
    backfill: int | None = Field(
        default=None,
        ge=1,
        le=20,
        description="without a last id (a visit's first page view): up to this many recent "
        "notifications first, within the shop's hide_older_than_hours",
    )


class StorefrontEvent(_Body):
    """What a storefront saw a shopper do with a popup (sent only with analytics consent)."""

    id: str = Field(pattern=r"^[0-9a-f]{32}$", description="the notification's id")
    type: Literal["impression", "hover", "click"] = Field(
        description="impression: on a visible page for a second; hover; click on its link"
    )


class AuthInstallQuery(BaseModel):
    """What Shopify signs onto a non-embedded install link (it may add more, also signed)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    shop: str = Field(pattern=SHOP_DOMAIN_PATTERN)
    timestamp: str = Field(description="seconds since the epoch; refused past 90 s")
    hmac: str = Field(description="hex HMAC-SHA256 of the other parameters, sorted")


class AuthCallbackQuery(AuthInstallQuery):
    """Shopify's redirect back after the merchant approved the install."""

    code: str
    state: str = Field(description="the single-use state of this browser's install request")


class Liveness(_Body):
    """The process answers."""

    status: Literal["ok"] = "ok"


class Readiness(_Body):
    """Whether the gateway can take webhooks and serve storefronts: the broker and Redis."""

    status: Literal["ready", "not ready"]
    redis: bool
    broker: bool
