"""The ORM tables: shops, sessions (tokens as ciphertext), compliance records, and the
notification record."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime

__all__ = [
    "Base",
    "ComplianceRecord",
    "EngagementDaily",
    "EngagementReport",
    "NotificationEngagement",
    "NotificationRecord",
    "Shop",
    "ShopSession",
]

# Deterministic constraint names, so migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# An autoincrementing 64-bit key; SQLite only autoincrements an INTEGER PRIMARY KEY.
BigIntId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """The declarative base; `Base.metadata` is what the migrations describe."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Shop(Base):
    """One installation of the app on a store; kept (marked) after uninstall until redacted."""

    __tablename__ = "shops"

    domain: Mapped[str] = mapped_column(String(255), primary_key=True)
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    uninstalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    scope: Mapped[str] = mapped_column(Text())
    api_version: Mapped[str] = mapped_column(String(32))
    widget_public_key: Mapped[str] = mapped_column(String(64), unique=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ShopSession(Base):
    """A Shopify session (the app template's fields); tokens are stored only encrypted."""

    __tablename__ = "shop_sessions"

    id: Mapped[str] = mapped_column(String(320), primary_key=True)
    shop: Mapped[str] = mapped_column(
        String(255), ForeignKey("shops.domain", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(255))
    is_online: Mapped[bool] = mapped_column(Boolean())
    scope: Mapped[str | None] = mapped_column(Text())
    expires: Mapped[datetime | None] = mapped_column(UTCDateTime())
    access_token: Mapped[str] = mapped_column(Text())  # Fernet ciphertext
    refresh_token: Mapped[str | None] = mapped_column(Text())  # Fernet ciphertext
    refresh_token_expires: Mapped[datetime | None] = mapped_column(UTCDateTime())
    user_id: Mapped[str | None] = mapped_column(String(64))
    first_name: Mapped[str | None] = mapped_column(Text())
    last_name: Mapped[str | None] = mapped_column(Text())
    email: Mapped[str | None] = mapped_column(Text())
    account_owner: Mapped[bool | None] = mapped_column(Boolean())
    locale: Mapped[str | None] = mapped_column(String(32))
    collaborator: Mapped[bool | None] = mapped_column(Boolean())
    email_verified: Mapped[bool | None] = mapped_column(Boolean())
    api_version: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ComplianceRecord(Base):
    """A mandatory compliance webhook (customers/data_request, customers/redact, shop/redact).

    Unique on (shop, topic, request_id, customer_id) with NULLs compared as equal (an
    expression index over COALESCE), so a redelivery is recognised on every backend.
    """

    __tablename__ = "compliance_records"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    shop: Mapped[str] = mapped_column(String(255))  # leads the unique index below
    topic: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    customer_id: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    details: Mapped[dict[str, Any]] = mapped_column(JSON())


# NULLs are distinct in a plain unique constraint; COALESCE makes them compare equal.
Index(
    "uq_compliance_records_dedupe",
    ComplianceRecord.shop,
    ComplianceRecord.topic,
    func.coalesce(ComplianceRecord.request_id, ""),
    func.coalesce(ComplianceRecord.customer_id, ""),
    unique=True,
)


class NotificationRecord(Base):
    """Every popup the worker rendered, with what became of it since.

    Written by the worker only (upserted on the deterministic id, so redeliveries write
    one row); the merchant API reads it and moderates it through events. `status`:
    `shown`, `retracted` (order cancelled or fully refunded), `hidden` (by the merchant),
    `redacted` (buyer erased: text and fields emptied). `line_items` (line item id →
    quantity) is private: refunds are compared with it.
    """

    __tablename__ = "notifications"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    shop: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    order_id: Mapped[str] = mapped_column(String(64))
    webhook_id: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text())
    fields: Mapped[dict[str, str]] = mapped_column(JSON())
    product_id: Mapped[str | None] = mapped_column(String(64))
    product_title: Mapped[str] = mapped_column(Text())
    product_url: Mapped[str | None] = mapped_column(Text())
    product_image: Mapped[str | None] = mapped_column(Text())
    line_items: Mapped[dict[str, int]] = mapped_column(JSON())
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NotificationEngagement(Base):
    """What storefronts did with a notification, added up over every gateway's reports.

    A table of its own, keyed like the record: a report can be handled before the row it
    counts is written (they travel on different topics), and nothing may be lost.
    `delivered`: SSE clients it was written to; `impressions`: shown at least a second on
    a visible page; `hovers` and `clicks`: by shoppers who allow analytics.
    """

    __tablename__ = "notification_engagement"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    shop: Mapped[str] = mapped_column(String(255), index=True)
    delivered: Mapped[int] = mapped_column(BigInteger(), server_default="0")
    impressions: Mapped[int] = mapped_column(BigInteger(), server_default="0")
    hovers: Mapped[int] = mapped_column(BigInteger(), server_default="0")
    clicks: Mapped[int] = mapped_column(BigInteger(), server_default="0")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EngagementReport(Base):
    """A gateway's engagement report already added up (by its id: the gateway process and
    the time it reported), so that one delivered twice is counted once; kept a day."""

    __tablename__ = "engagement_reports"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    shop: Mapped[str] = mapped_column(String(255), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class EngagementDaily(Base):
    """A shop's engagement per day (UTC, by when the gateways reported it)."""

    __tablename__ = "engagement_daily"

    shop: Mapped[str] = mapped_column(String(255), primary_key=True)
    day: Mapped[date] = mapped_column(Date(), primary_key=True)
    delivered: Mapped[int] = mapped_column(BigInteger(), server_default="0")
    impressions: Mapped[int] = mapped_column(BigInteger(), server_default="0")
    hovers: Mapped[int] = mapped_column(BigInteger(), server_default="0")
    clicks: Mapped[int] = mapped_column(BigInteger(), server_default="0")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


# The dashboard's queries: newest first per shop (keyset on occurred_at, id), optionally by
# status or product; the retention job deletes by published_at across shops.
Index(
    "ix_notifications_shop_occurred",
    NotificationRecord.shop,
    NotificationRecord.occurred_at,
    NotificationRecord.id,
)
Index(
    "ix_notifications_shop_status_occurred",
    NotificationRecord.shop,
    NotificationRecord.status,
    NotificationRecord.occurred_at,
    NotificationRecord.id,
)
Index(
    "ix_notifications_shop_product",
    NotificationRecord.shop,
    NotificationRecord.product_id,
    NotificationRecord.occurred_at,
)
Index("ix_notifications_published", NotificationRecord.published_at)
