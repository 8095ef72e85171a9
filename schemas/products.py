"""A product of a shop's catalogue, as far as a popup needs it (title, handle, featured
image), and what a `products/*` webhook (or the install's catalogue seed) says of one."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Product", "ProductChange"]


class Product(BaseModel):
    """A live product of the online store; the worker's `products` table holds these."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    product_id: str
    handle: str = Field(min_length=1, max_length=255, pattern=r"^[^/?#\s]+$")
    title: str = Field(min_length=1)
    image_url: str | None = Field(default=None, pattern=r"^https://")
    updated_at: datetime | None = None

    @property
    def url(self) -> str:
        """Relative, so it is right on every domain of the storefront."""
        return f"/products/{quote(self.handle)}"


class ProductChange(BaseModel):
    """A product created or updated (`product`), or gone from the store (`None`: deleted,
    or no longer active)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    shop: str
    webhook_id: str
    product_id: str
    product: Product | None
    updated_at: datetime | None = None
