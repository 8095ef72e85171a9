"""Faust tables: state materialized from topics, changelog-backed, co-partitioned by shop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from schemas import ShopLifecycle, ShopOrderMarks, ShopSettings
from streams.codecs import ModelCodec

__all__ = ["Tables", "declare_tables"]


@dataclass(frozen=True)
class Tables:
    """The worker's tables, keyed by shop domain."""

    settings: Any  # ShopSettings, from proofstream.settings
    status: Any  # the latest ShopLifecycle, from proofstream.lifecycle
    marks: Any  # ShopOrderMarks: cancelled, refunded, redacted orders, from the raw webhooks


def _model_table(app: Any, name: str, model: type[BaseModel], partitions: int) -> Any:
    table = app.Table(name, partitions=partitions, key_type=str)
    # Faust derives a table's serializers from Faust Record types only; ours are pydantic
    # models, so name the codecs on the table (writes) and on its changelog (recovery).
    codec = ModelCodec(model)
    table.key_serializer, table.value_serializer = "raw", codec
    table.changelog_topic = table.changelog_topic.derive(
        key_serializer="raw", value_serializer=codec
    )
    return table


def declare_tables(app: Any, *, partitions: int) -> Tables:
    """Same partition count as the topics, so a shop's state lives beside its webhooks."""
    return Tables(
        settings=_model_table(app, "shop-settings", ShopSettings, partitions),
        status=_model_table(app, "shop-status", ShopLifecycle, partitions),
        marks=_model_table(app, "order-marks", ShopOrderMarks, partitions),
    )
