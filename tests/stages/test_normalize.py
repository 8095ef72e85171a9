from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from schemas import WebhookEnvelope
from simulator.orders import OrderFactory
from stages.errors import InvalidEvent
from stages.normalize import normalize, product_change

FIXTURE = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "shopify-orders-create.json"
SHOP = "demo-shop.myshopify.com"


def envelope(payload: dict[str, Any] | bytes, *, topic: str = "orders/create") -> WebhookEnvelope:
    raw = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    return WebhookEnvelope.from_json(
        WebhookEnvelope.encode(
            webhook_id="wh-1",
            event_id="ev-1",
            topic=topic,
            shop=SHOP,
            api_version="2026-10",
            triggered_at=datetime(2026, 11, 25, 12, 0, tzinfo=UTC),
            received_at=datetime(2026, 11, 25, 12, 0, 1, tzinfo=UTC),
            raw_payload=raw,
        )
    )


@pytest.mark.skipif(not FIXTURE.exists(), reason="../shared/fixtures is not beside the repo")
def test_real_shopify_payload() -> None:
    order = normalize(envelope(FIXTURE.read_bytes()))
    assert order.shop == SHOP
    assert order.order_id == "450789469"
    assert order.order_name == "#1001"
    assert order.buyer.first_name == "Bob"
    assert order.buyer.city == "Louisville"
    assert order.buyer.country_code == "US"
    assert [item.title for item in order.line_items][0] == "IPod Nano - 8gb"
    assert order.line_items[0].variant_title == "green"
    assert order.webhook_id == "wh-1"


@pytest.mark.skipif(not FIXTURE.exists(), reason="../shared/fixtures is not beside the repo")
def test_never_keeps_private_fields() -> None:
    wire = normalize(envelope(FIXTURE.read_bytes())).to_json()
    for private in (b"Norman", b"bob.norman@", b"555-625", b"Chestnut", b"40202", b"409.94"):
        assert private in FIXTURE.read_bytes()
        assert private not in wire


def test_ids_above_2_53_become_exact_strings() -> None:
    big = 2**53 + 12345
    payload = OrderFactory(seed=1, shop=SHOP).order(id=big)
    payload["line_items"][0]["product_id"] = big + 1
    order = normalize(envelope(payload))
    assert order.order_id == str(big)
    assert order.line_items[0].product_id == str(big + 1)


def test_missing_customer_and_addresses() -> None:
    payload = OrderFactory(seed=1, shop=SHOP).order(
        customer=None, billing_address=None, shipping_address=None
    )
    order = normalize(envelope(payload))
    assert order.buyer.first_name is None
    assert order.buyer.city is None


def test_non_ascii_names_survive() -> None:
    payload = OrderFactory(seed=1, shop=SHOP).order()
    payload["customer"]["first_name"] = "Zoë"
    assert normalize(envelope(payload)).buyer.first_name == "Zoë"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"id": None}, "no id"),
        ({"line_items": []}, "no line item"),
        ({"line_items": [{"title": "   "}]}, "no line item"),
        ({"created_at": "yesterday"}, "ISO-8601"),
    ],
)
def test_invalid_orders_say_why(change: dict[str, Any], reason: str) -> None:
    payload = OrderFactory(seed=1, shop=SHOP).order(**change)
    with pytest.raises(InvalidEvent, match=reason):
        normalize(envelope(payload))


def test_other_topics_are_refused() -> None:
    with pytest.raises(InvalidEvent, match="is not orders/create"):
        normalize(envelope({"id": 1}, topic="products/update"))


@pytest.mark.parametrize(
    ("flag", "test"), [(True, True), (False, False), ("true", False), (None, False)]
)
def test_shopifys_test_flag_is_kept_only_when_true(flag: object, test: bool) -> None:
    payload = OrderFactory(seed=5, shop=SHOP).order() | {"test": flag}
    assert normalize(envelope(payload)).test is test


@pytest.mark.parametrize(
    ("topic", "payload", "expected"),
    [
        ("products/delete", {"id": 9}, None),
        ("products/update", {"id": 9, "handle": "mug", "title": "Mug", "status": "archived"}, None),
        (
            "products/create",
            {"id": 9, "handle": "mug", "title": "Mug", "images": [{"src": "https://c/m.png"}]},
            ("/products/mug", "https://c/m.png"),
        ),
        (  # only https images: never mixed content, never a javascript: URL
            "products/update",
            {"id": 9, "handle": "mug", "title": "Mug", "image": {"src": "http://c/m.png"}},
            ("/products/mug", None),
        ),
        (  # an encoded handle cannot leave /products/
            "products/update",
            {"id": 9, "handle": "tasse-à-café", "title": "Tasse"},
            ("/products/tasse-%C3%A0-caf%C3%A9", None),
        ),
    ],
)
def test_product_changes(topic: str, payload: dict[str, Any], expected: object) -> None:
    change = product_change(envelope(payload, topic=topic))
    assert change.product_id == "9"
    found = change.product and (change.product.url, change.product.image_url)
    assert found == expected


@pytest.mark.parametrize(
    "payload",
    [{"handle": "mug", "title": "Mug"}, {"id": 9, "handle": "a/b", "title": "Mug"}, {"id": 9}],
)
def test_unreadable_products_are_invalid(payload: dict[str, Any]) -> None:
    with pytest.raises(InvalidEvent):
        product_change(envelope(payload, topic="products/update"))
