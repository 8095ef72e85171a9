"""Faust tables: state materialized from topics, changelog-backed, co-partitioned by shop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from schemas import ShopSettings
from streams.codecs import ModelCodec

__all__ = ["Tables", "declare_tables"]


@dataclass(frozen=True)
class Tables:
    """The worker's tables."""

    settings: Any  # shop domain → ShopSettings, from proofstream.settings


def declare_tables(app: Any, *, partitions: int) -> Tables:
    """Same partition count as the topics, so a shop's settings live beside its orders."""
    settings = app.Table("shop-settings", partitions=partitions, key_type=str)
    # Faust derives a table's serializers from Faust Record types only; ours are pydantic
    # models, so name the codecs on the table (writes) and on its changelog (recovery).
    codec = ModelCodec(ShopSettings)
    settings.key_serializer, settings.value_serializer = "raw", codec
    settings.changelog_topic = settings.changelog_topic.derive(
        key_serializer="raw", value_serializer=codec
    )
    return Tables(settings=settings)
