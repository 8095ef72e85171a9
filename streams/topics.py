"""Every Kafka topic of the pipeline; all are keyed by shop domain and co-partitioned."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from schemas import DeadLetter, Notification, ShopLifecycle, ShopSettingsChanged

if TYPE_CHECKING:
    import faust

__all__ = [
    "COMPACTED",
    "DEAD_LETTERS",
    "LIFECYCLE",
    "NAMES",
    "NOTIFICATIONS",
    "RAW_WEBHOOKS",
    "SETTINGS",
    "Topics",
    "declare",
]

RAW_WEBHOOKS = "proofstream.webhooks.raw"
NOTIFICATIONS = "proofstream.notifications"
DEAD_LETTERS = "proofstream.deadletters"
SETTINGS = "proofstream.settings"  # compacted: the latest ShopSettingsChanged per shop
LIFECYCLE = "proofstream.lifecycle"  # compacted: the latest ShopLifecycle per shop
NAMES = (RAW_WEBHOOKS, NOTIFICATIONS, DEAD_LETTERS, SETTINGS, LIFECYCLE)
COMPACTED = frozenset({SETTINGS, LIFECYCLE})


@dataclass(frozen=True)
class Topics:
    """The worker's handles on each topic, carrying the schema each one holds."""

    raw_webhooks: Any  # raw bytes: the normalize stage parses them so it can dead-letter junk
    notifications: Any
    dead_letters: Any
    settings: Any
    lifecycle: Any


def declare(app: faust.App, *, partitions: int) -> Topics:
    """Declare the topics on a Faust app, each with its codec."""
    from streams.codecs import ModelCodec

    def topic(name: str, codec: Any) -> Any:
        return app.topic(
            name,
            key_type=str,
            key_serializer="raw",
            value_serializer=codec,
            partitions=partitions,
            compacting=name in COMPACTED,
        )

    return Topics(
        raw_webhooks=topic(RAW_WEBHOOKS, "raw"),
        notifications=topic(NOTIFICATIONS, ModelCodec(Notification)),
        dead_letters=topic(DEAD_LETTERS, ModelCodec(DeadLetter)),
        settings=topic(SETTINGS, ModelCodec(ShopSettingsChanged)),
        lifecycle=topic(LIFECYCLE, ModelCodec(ShopLifecycle)),
    )
