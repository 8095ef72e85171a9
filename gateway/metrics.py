"""Prometheus metrics of the gateway (served at GET /metrics)."""

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "READY",
    "REQUESTS_CUT",
    "SHOPS_INSTALLED",
    "SSE_CLIENTS",
    "SSE_DELIVERED",
    "SSE_DROPPED",
    "SSE_REFUSED",
    "WEBHOOKS",
    "WEBHOOK_ACK_SECONDS",
]

WEBHOOKS = Counter(
    "proofstream_webhooks_total",
    "Shopify webhooks received, by topic and outcome.",
    ["topic", "outcome"],
)
WEBHOOK_ACK_SECONDS = Histogram(
    "proofstream_webhook_ack_seconds",
    "Time from the body fully read to the broker's acknowledgement.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
SSE_CLIENTS = Gauge("proofstream_sse_clients", "Storefront SSE clients connected now.")
SSE_DELIVERED = Counter(
    "proofstream_sse_delivered_total", "Notifications written or queued to SSE clients."
)
SSE_DROPPED = Counter(
    "proofstream_sse_dropped_total",
    "SSE clients disconnected because they fell behind (they reconnect and replay).",
)
REQUESTS_CUT = Counter(
    "proofstream_requests_cut_total",
    "Requests cut off while arriving: headers too slow or too large, body too slow.",
    ["reason"],
)
SSE_REFUSED = Counter(
    "proofstream_sse_refused_total",
    "SSE connections refused (429) over a limit: per client address or per shop.",
    ["limit"],
)
READY = Gauge(
    "proofstream_ready",
    "1 when the dependency answered the gateway at the last scrape, else 0.",
    ["dependency"],
)
SHOPS_INSTALLED = Gauge(
    "proofstream_shops_installed", "Shops with the app installed (the gateway's SQL record)."
)

# Every known label value exported from the start (at 0), so dashboards and alerts find the
# series before the first event of its kind.
for _reason in ("header_too_large", "header_too_slow", "body_too_slow"):
    REQUESTS_CUT.labels(_reason)
for _limit in ("client", "shop"):
    SSE_REFUSED.labels(_limit)
