"""A rendered popup, and the public view of it that storefronts receive."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from schemas.base import Event

__all__ = ["Notification", "PublicNotification"]


class PublicNotification(BaseModel):
    """Everything a storefront may show, and nothing else (no email, last name, totals...)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    kind: Literal["order"]
    text: str
    fields: dict[str, str]
    product_image: str | None = None
    product_url: str | None = None
    occurred_at: datetime


class Notification(Event):
    """A popup ready to publish, keyed by shop on the notifications topic."""

    schema_version: Literal[1] = 1
    id: str
    webhook_id: str
    shop: str
    kind: Literal["order"] = "order"
    text: str
    fields: dict[str, str]
    product_image: str | None = None
    product_url: str | None = None
    occurred_at: datetime
    created_at: datetime

    def public(self) -> PublicNotification:
        """The storefront's view; `fields` only ever holds public placeholders."""
        return PublicNotification(
            id=self.id,
            kind=self.kind,
            text=self.text,
            fields=self.fields,
            product_image=self.product_image,
            product_url=self.product_url,
            occurred_at=self.occurred_at,
        )
