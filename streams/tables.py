"""Faust tables: state materialized from topics, changelog-backed, co-partitioned by shop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from schemas import Product, ShopLifecycle, ShopOrderMarks, ShopSettings
from streams.codecs import ModelCodec

__all__ = ["Tables", "declare_tables", "product_key", "shop_of_product_key"]


@dataclass(frozen=True)
class Tables:
    """The worker's tables, keyed by shop domain."""

    settings: Any  # ShopSettings, from proofstream.settings
    status: Any  # the latest ShopLifecycle, from proofstream.lifecycle
    marks: Any  # ShopOrderMarks: cancelled, refunded, redacted orders, from the raw webhooks
    # Product, by `product_key(shop, product id)`: the catalogue, from products/* webhooks
    # and the install's seed. Written while a shop-keyed event is handled, so each entry
    # lives in its shop's partition (Faust writes a table's changelog to the partition of
    # the event being processed), beside the shop's orders.
    products: Any


def product_key(shop: str, product_id: str) -> str:
    """The `products` table's key of one product of a shop."""
    return f"{shop}/{product_id}"


def shop_of_product_key(key: str) -> str:
    """The inverse of `product_key`, for the shop."""
    return key.partition("/")[0]


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
        products=_model_table(app, "products", Product, partitions),
    )
