"""What a time on the wire means: ISO 8601, UTC where it names no zone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator

__all__ = ["UtcTime", "parse_time"]


def _utc_if_naive(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


UtcTime = Annotated[datetime, AfterValidator(_utc_if_naive)]
"""A model field's time: one that names no zone is taken as UTC."""


def parse_time(value: object) -> datetime | None:
    """`value` as a zone-aware time (UTC if it names no zone), or None when it is absent,
    not a string or not ISO 8601: callers decide what an unknown time means."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return _utc_if_naive(moment)
