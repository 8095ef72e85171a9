"""Every Kafka topic of the pipeline; all are keyed by shop domain and co-partitioned."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from schemas import (
    DeadLetter,
    EngagementCounts,
    NotificationEvent,
    ShopLifecycle,
    ShopSettingsChanged,
)

if TYPE_CHECKING:
    import faust

__all__ = [
    "COMPACTED",
    "CUSTOMER_DATA",
    "DEAD_LETTERS",
    "ENGAGEMENT",
    "LIFECYCLE",
    "NAMES",
    "NOTIFICATIONS",
    "RAW_WEBHOOKS",
    "SETTINGS",
    "Topics",
    "declare",
]

RAW_WEBHOOKS = "proofstream.webhooks.raw"  # every subscribed Shopify topic, as delivered
NOTIFICATIONS = "proofstream.notifications"  # Notification and NotificationChanged
DEAD_LETTERS = "proofstream.deadletters"
ENGAGEMENT = "proofstream.engagement"  # EngagementCounts from the gateways
SETTINGS = "proofstream.settings"  # compacted: the latest ShopSettingsChanged per shop
LIFECYCLE = "proofstream.lifecycle"  # compacted: the latest ShopLifecycle per shop
NAMES = (RAW_WEBHOOKS, NOTIFICATIONS, DEAD_LETTERS, ENGAGEMENT, SETTINGS, LIFECYCLE)
COMPACTED = frozenset({SETTINGS, LIFECYCLE})
# Topics that hold buyers' first names and cities (or whole payloads): created with
# `retention.ms` = PROOFSTREAM_KAFKA_RETENTION_DAYS, so an erasure is complete after it.
CUSTOMER_DATA = frozenset({RAW_WEBHOOKS, NOTIFICATIONS, DEAD_LETTERS})


@dataclass(frozen=True)
class Topics:
    """The worker's handles on each topic, carrying the schema each one holds."""

    raw_webhooks: Any  # raw bytes: the worker parses them so it can dead-letter junk
    notifications: Any
    dead_letters: Any
    engagement: Any
    settings: Any
    lifecycle: Any


def declare(app: faust.App, *, partitions: int, retention: timedelta) -> Topics:
    """Declare the topics on a Faust app, each with its codec (and, if Faust creates them
    before the gateway does, the same partitions and retention)."""
    from streams.codecs import ModelCodec

    def topic(name: str, codec: Any) -> Any:
        return app.topic(
            name,
            key_type=str,
            key_serializer="raw",
            value_serializer=codec,
            partitions=partitions,
            compacting=name in COMPACTED,
            retention=retention if name in CUSTOMER_DATA else None,
        )

    return Topics(
        raw_webhooks=topic(RAW_WEBHOOKS, "raw"),
        notifications=topic(NOTIFICATIONS, ModelCodec(NotificationEvent, name="notification")),
        dead_letters=topic(DEAD_LETTERS, ModelCodec(DeadLetter)),
        engagement=topic(ENGAGEMENT, ModelCodec(EngagementCounts)),
        settings=topic(SETTINGS, ModelCodec(ShopSettingsChanged)),
        lifecycle=topic(LIFECYCLE, ModelCodec(ShopLifecycle)),
    )
