"""Prometheus metrics of the processing stages (served by the worker's metrics port)."""

from collections.abc import Callable
from datetime import datetime

from prometheus_client import Counter, Histogram

__all__ = ["EVENTS", "LAG", "observe_lag"]

EVENTS = Counter(
    "proofstream_agent_events_total",
    "Messages handled by each stage, by outcome.",
    ["stage", "outcome"],
)
LAG = Histogram(
    "proofstream_agent_lag_seconds",
    "Time from the event entering a stage's input (webhook received, notification rendered)"
    " to the stage finishing with it.",
    ["stage"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def observe_lag(stage: str, since: datetime, clock: Callable[[], datetime]) -> None:
    """Time from `since` (the event entering a stage's input) to now, for `stage`."""
    LAG.labels(stage).observe(max(0.0, (clock() - since).total_seconds()))
