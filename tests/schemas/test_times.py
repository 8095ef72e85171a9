"""`parse_time`: the one reading of a wire time that the gateway, the stages and the CLI share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import BaseModel

from schemas import parse_time
from schemas.times import UtcTime


def test_a_time_without_a_zone_is_utc() -> None:
    assert parse_time("2026-12-06T09:30:00") == datetime(2026, 12, 6, 9, 30, tzinfo=UTC)


def test_a_time_keeps_its_own_zone() -> None:
    moment = parse_time("2026-12-06T09:30:00-05:00")
    assert moment is not None
    assert moment.utcoffset() == timedelta(hours=-5)
    assert moment == datetime(2026, 12, 6, 14, 30, tzinfo=UTC)


@pytest.mark.parametrize("value", [None, "", "yesterday", "2026-13-01T00:00:00", 1733477400, b"x"])
def test_anything_else_is_unknown(value: object) -> None:
    assert parse_time(value) is None


def test_a_model_time_without_a_zone_is_utc() -> None:
    class Query(BaseModel):
        since: UtcTime

    assert Query.model_validate({"since": "2026-12-06T09:30:00"}).since == datetime(
        2026, 12, 6, 9, 30, tzinfo=UTC
    )
    assert Query.model_validate(
        {"since": "2026-12-06T09:30:00+01:00"}
    ).since.utcoffset() == timedelta(hours=1)
