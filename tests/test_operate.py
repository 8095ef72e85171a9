"""The operator commands' pure parts: `--since` values and the tables they print."""

import argparse
from datetime import UTC, datetime, timedelta

import pytest

from proofstream.operate import parse_since, table

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", NOW - timedelta(seconds=90)),
        ("30m", NOW - timedelta(minutes=30)),
        ("1.5h", NOW - timedelta(hours=1.5)),
        ("2d", NOW - timedelta(days=2)),
        ("2026-12-05T08:30", datetime(2026, 12, 5, 8, 30, tzinfo=UTC)),
        ("2026-12-05T08:30+01:00", datetime(2026, 12, 5, 7, 30, tzinfo=UTC)),
    ],
)
def test_since_is_a_time_or_a_duration_back_from_now(text: str, expected: datetime) -> None:
    assert parse_since(text, now=NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "5 minutes", "-3h", ""])
def test_a_since_that_is_neither_says_what_it_takes(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="neither a time"):
        parse_since(text, now=NOW)


def test_tables_align_every_column_but_the_free_text_last() -> None:
    printed = table(
        ("ID", "STAGE", "REASON"), [("0:12", "normalize", "no line item"), ("10:3", "x", "y")]
    )
    assert printed.splitlines() == [
        "ID    STAGE      REASON",
        "0:12  normalize  no line item",
        "10:3  x          y",
    ]
