"""The worker's knobs, as one explicit object the topology takes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

__all__ = ["Policy"]


@dataclass(frozen=True)
class Policy:
    """The worker's knobs (from `proofstream.settings.Settings`)."""

    buyer_data: bool = True  # Shopify's Level 2 protected customer data access
    marks_kept: timedelta = timedelta(days=7)  # the raw topic's retention
    record_kept: timedelta = timedelta(days=30)
    retention_every_s: float = 3600.0
    projection_check_s: float = 5.0  # how soon an emptied Redis gets its projections back
    deliveries_every_s: float = 2.0  # how often the last delivery per topic reaches Redis
    batch: int = 500
    batch_within_s: float = 0.5
    retry_delays: tuple[float, ...] = (0.1, 0.5, 1.0, 2.0, 5.0)
