"""Prometheus metrics of the processing stages (served by the worker's metrics port)."""

from prometheus_client import Counter, Histogram

__all__ = ["EVENTS", "LAG"]

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
