"""What storefronts did with notifications, counted by the gateways and folded into the
stored record by the worker."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from pydantic import Field

from schemas.base import Event

__all__ = ["ENGAGEMENT_KINDS", "EngagementCounts", "EngagementKind"]

EngagementKind = Literal["delivered", "impressions", "hovers", "clicks"]
# The counts every report carries, one field each (below), in that order.
ENGAGEMENT_KINDS: tuple[EngagementKind, ...] = get_args(EngagementKind)


class EngagementCounts(Event):
    """Counts one gateway process gathered for one shop since its previous report.

    Each: notification id → count. `delivered`: SSE clients it was written to (live or
    replayed); `impressions`: pages that showed it at least a second while visible;
    `hovers`, `clicks`: of shoppers who allow analytics. Keyed by shop on the engagement
    topic.
    """

    schema_version: Literal[1] = 1
    shop: str
    source: str
    until: datetime
    delivered: dict[str, int] = Field(default_factory=dict)
    impressions: dict[str, int] = Field(default_factory=dict)
    hovers: dict[str, int] = Field(default_factory=dict)
    clicks: dict[str, int] = Field(default_factory=dict)

    @property
    def report_id(self) -> str:
        """Unique per report: one gateway process never reports twice at the same time."""
        return f"{self.source}@{self.until.isoformat()}"
