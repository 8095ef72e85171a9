"""One order, one trace: the real gateway and worker export OTLP/HTTP to a receiver the
test serves (decoding the protobuf), and the spans of every stage — the webhook request,
its produce, the worker's handling, the notification's produce, the publish to Redis and
the gateway's SSE broadcast — share one trace id, each the child of the one before."""

from collections.abc import Iterator

import httpx
import pytest

from bench._otlp_sink import OtlpReceiver, ReceivedSpan
from simulator.orders import OrderFactory
from tests.conftest import SECRET
from tests.faults.cluster import Cluster
from tests.faults.conftest import cluster
from tests.fixtures import eventually, open_stream, order_body, post_webhook, product_is

__all__ = ["cluster"]

pytestmark = pytest.mark.integration

# From the notification's broadcast back to the webhook's arrival: (service, span name).
CHAIN = [
    ("proofstream-gateway", "sse broadcast"),
    ("proofstream-worker", "publish"),
    ("proofstream-worker", "proofstream.notifications process"),
    ("proofstream-worker", "proofstream.notifications send"),
    ("proofstream-worker", "handle orders/create"),
    ("proofstream-worker", "proofstream.webhooks.raw process"),
    ("proofstream-gateway", "proofstream.webhooks.raw send"),
    ("proofstream-gateway", "POST /webhooks/shopify"),
]


@pytest.fixture
def receiver() -> Iterator[OtlpReceiver]:
    receiver = OtlpReceiver().start()
    try:
        yield receiver
    finally:
        receiver.stop()


def ancestry(spans: list[ReceivedSpan], leaf: ReceivedSpan) -> list[ReceivedSpan]:
    """`leaf` and its ancestors exported so far, up to a root or the first one missing."""
    by_id = {span.span_id: span for span in spans}
    chain = [leaf]
    while chain[-1].parent_id in by_id:
        chain.append(by_id[chain[-1].parent_id])
    return chain


async def test_one_order_is_one_trace_from_the_webhook_to_the_sse_broadcast(
    cluster: Cluster, receiver: OtlpReceiver, shop: str
) -> None:
    cluster.env.update(
        OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url,
        OTEL_TRACES_SAMPLER="always_on",
        OTEL_BSP_SCHEDULE_DELAY="100",  # ms: spans reach the receiver at once
    )
    url = await cluster.started()
    async with open_stream(f"{url}/v1/storefront/{shop}/stream") as reader:
        async with httpx.AsyncClient(timeout=10) as client:
            body = order_body(OrderFactory(seed=3, shop=shop), title="Traced Hoodie")
            answer = await post_webhook(
                client, f"{url}/webhooks/shopify", secret=SECRET, shop=shop, body=body
            )
            assert answer.status_code == 200
        shown = (await reader.until(product_is("Traced Hoodie")))[-1].json()

    def broadcast() -> ReceivedSpan | None:
        return next(
            (
                s
                for s in receiver.snapshot()
                if s.name == "sse broadcast"
                and s.attributes.get("proofstream.notification_id") == shown["id"]
            ),
            None,
        )

    await eventually(lambda: broadcast() is not None, timeout=30)
    leaf = broadcast()
    assert leaf is not None

    def whole() -> bool:  # up to a root (each process's batches arrive on their own)
        return not ancestry(receiver.snapshot(), leaf)[-1].parent_id

    await eventually(whole, timeout=30)
    chain = ancestry(receiver.snapshot(), leaf)
    assert [(s.service, s.name) for s in chain] == CHAIN
    assert len({s.trace_id for s in chain}) == 1
    root = chain[-1]
    assert root.kind == "server" and root.attributes["proofstream.shop"] == shop
    assert chain[0].attributes["proofstream.sse_clients"] == 1
    assert {s.kind for s in chain if s.name.endswith(" send")} == {"producer"}
