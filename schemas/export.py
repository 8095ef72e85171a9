"""Write the JSON Schema of every event model, so other consumers can check the contract."""

from __future__ import annotations

from pathlib import Path

import orjson
from pydantic import BaseModel

from schemas import (
    DeadLetter,
    EngagementCounts,
    Notification,
    NotificationChanged,
    OrderEvent,
    Product,
    PublicNotification,
    ShopLifecycle,
    ShopOrderMarks,
    ShopSettingsChanged,
    WebhookEnvelope,
    WidgetConfig,
)

__all__ = ["EXPORTED", "json_schemas", "write_json_schemas"]

EXPORTED: tuple[type[BaseModel], ...] = (
    WebhookEnvelope,
    OrderEvent,
    Product,
    Notification,
    NotificationChanged,
    PublicNotification,
    DeadLetter,
    EngagementCounts,
    ShopLifecycle,
    ShopOrderMarks,
    ShopSettingsChanged,
    WidgetConfig,
)


def json_schemas() -> dict[str, bytes]:
    """File name → pretty JSON Schema (serialization mode: what travels on the wire)."""
    return {
        f"{model.__name__}.json": orjson.dumps(
            model.model_json_schema(mode="serialization"),
            option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE,
        )
        for model in EXPORTED
    }


def write_json_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in json_schemas().items():
        path = folder / name
        path.write_bytes(content)
        written.append(path)
    return written
