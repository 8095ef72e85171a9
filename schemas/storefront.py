"""What `GET /v1/storefront/{shop}/config` answers: only what the widget needs."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["WidgetConfig"]


class WidgetConfig(BaseModel):
    """Public, cacheable display settings of one shop's widget."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    position: Literal["bottom-left", "bottom-right", "top-left", "top-right"] = "bottom-left"
    display_ms: int = Field(default=6000, ge=1000, le=60000)
    gap_ms: int = Field(default=1500, ge=0, le=600000)
    max_per_page: int = Field(default=20, ge=1, le=1000)
