"""What the gateway produces to the raw topic for every verified Shopify webhook."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import orjson

from schemas.base import Event

__all__ = ["WebhookEnvelope"]


class WebhookEnvelope(Event):
    """A verified webhook delivery: Shopify's headers plus the untouched JSON payload."""

    schema_version: Literal[1] = 1
    webhook_id: str
    event_id: str | None = None
    topic: str
    shop: str
    api_version: str | None = None
    triggered_at: datetime | None = None
    received_at: datetime
    payload: dict[str, Any]

    @staticmethod
    def encode(
        *,
        webhook_id: str,
        event_id: str | None,
        topic: str,
        shop: str,
        api_version: str | None,
        triggered_at: datetime | None,
        received_at: datetime,
        raw_payload: bytes,
    ) -> bytes:
        """Build the wire form with the verified body spliced in byte for byte (no re-encode)."""
        return orjson.dumps(
            {
                "schema_version": 1,
                "webhook_id": webhook_id,
                "event_id": event_id,
                "topic": topic,
                "shop": shop,
                "api_version": api_version,
                "triggered_at": triggered_at,
                "received_at": received_at,
                "payload": orjson.Fragment(raw_payload),
            }
        )
