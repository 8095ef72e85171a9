"""`include_fields` as Shopify applies it, with the app's own subscriptions: deliveries
carry no private field, and the worker reads the same from them as from whole payloads."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import orjson

from gateway.webhooks import TOPICS
from schemas import WebhookEnvelope
from simulator.fields import include_fields, subscribed_fields
from simulator.followups import cancelled, refund
from simulator.orders import OrderFactory
from simulator.webhooks import WebhookSender
from stages.normalize import normalize, product_change, retraction
from tests.conftest import ROOT

FIELDS = subscribed_fields(ROOT / "shopify.app.toml")
PRIVATE = (b"email", b"phone", b"last_name", b"address1", b"zip", b"total_price", b"browser_ip")


def envelope(topic: str, payload: bytes) -> WebhookEnvelope:
    return WebhookEnvelope.from_json(
        WebhookEnvelope.encode(
            webhook_id="wh",
            event_id=None,
            topic=topic,
            shop="a.myshopify.com",
            api_version="2026-10",
            triggered_at=datetime(2026, 11, 25, tzinfo=UTC),
            received_at=datetime(2026, 11, 25, tzinfo=UTC),
            raw_payload=payload,
        )
    )


def test_paths_keep_what_they_name_in_every_element() -> None:
    payload = {
        "id": 1,
        "email": "x@example.com",
        "customer": {"first_name": "Ana", "last_name": "B", "default_address": {"city": "Oslo"}},
        "line_items": [{"title": "A", "price": "1"}, {"title": "B", "price": "2"}],
        "note": None,
    }
    trimmed = include_fields(
        payload, ["id", "customer.first_name", "customer.default_address", "line_items.title"]
    )
    assert trimmed == {
        "id": 1,
        "customer": {"first_name": "Ana", "default_address": {"city": "Oslo"}},
        "line_items": [{"title": "A"}, {"title": "B"}],
    }
    assert include_fields({"customer": None}, ["customer.first_name"]) == {"customer": None}


def test_the_app_subscribes_every_topic_it_handles() -> None:
    # Compliance topics are delivered whole (they cannot name fields); every other topic
    # the gateway produces is trimmed to what the worker reads.
    compliance = {"customers/data_request", "customers/redact", "shop/redact"}
    assert set(FIELDS) == set(TOPICS) - compliance


def test_a_trimmed_product_delivery_still_says_what_a_popup_needs() -> None:
    full = {
        "id": 632910392,
        "title": "IPod Nano - 8GB",
        "body_html": "<p>It's the small iPod with one very big idea.</p>",
        "vendor": "Apple",
        "handle": "ipod-nano",
        "status": "active",
        "updated_at": "2026-11-25T10:00:00-05:00",
        "variants": [{"id": 808950810, "price": "199.00", "sku": "IPOD2008PINK"}],
        "image": {"id": 850703190, "src": "https://cdn.shopify.com/s/files/1/ipod.png"},
    }
    trimmed = include_fields(full, FIELDS["products/update"])
    assert "variants" not in trimmed and "body_html" not in trimmed
    change = product_change(envelope("products/update", orjson.dumps(trimmed)))
    assert change.product is not None
    assert change.product.url == "/products/ipod-nano"
    assert change.product.image_url == "https://cdn.shopify.com/s/files/1/ipod.png"


def test_trimmed_orders_hold_nothing_private_and_normalize_the_same() -> None:
    factory = OrderFactory(seed=21, shop="a.myshopify.com")
    for _ in range(300):
        order = factory.order()
        for topic, payload in (("orders/create", order), ("orders/cancelled", cancelled(order))):
            whole = orjson.dumps(payload)
            trimmed = orjson.dumps(include_fields(payload, FIELDS[topic]))
            assert not [word for word in PRIVATE if word in trimmed], trimmed
            if topic == "orders/create":
                assert normalize(envelope(topic, trimmed)) == normalize(envelope(topic, whole))
            else:
                assert retraction(envelope(topic, trimmed)) == retraction(envelope(topic, whole))
        paid = refund(order, refund_id=5)
        trimmed = orjson.dumps(include_fields(paid, FIELDS["refunds/create"]))
        assert not [word for word in PRIVATE if word in trimmed]
        assert retraction(envelope("refunds/create", trimmed)) == retraction(
            envelope("refunds/create", orjson.dumps(paid))
        )


def test_the_sender_trims_what_it_builds() -> None:
    order = OrderFactory(seed=22, shop="a.myshopify.com").order()
    sender = WebhookSender(
        client=httpx.AsyncClient(), endpoint="http://x.test/", secret="s", fields=FIELDS
    )
    assert sender.body("orders/create", order) == orjson.dumps(
        include_fields(order, FIELDS["orders/create"])
    )
    assert sender.body("customers/redact", {"a": 1}) == b'{"a":1}'  # delivered whole
