from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

from simulator.orders import OrderFactory

FIXTURE = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "shopify-orders-create.json"
SHOP = "demo-store.myshopify.com"
NOW = datetime(2026, 11, 25, 17, 30, 5, 123456, tzinfo=UTC)
BIG = 2**53  # 9007199254740992: beyond it a float-based JSON parser loses integer precision


def fixed_clock() -> datetime:
    return NOW


def factory(seed: int = 7, **kwargs: Any) -> OrderFactory:
    return OrderFactory(seed=seed, shop=SHOP, clock=fixed_clock, **kwargs)


@pytest.fixture(scope="module")
def real_order() -> dict[str, Any]:
    if not FIXTURE.is_file():
        pytest.skip(f"the real Shopify sample is missing: {FIXTURE}")
    loaded: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return loaded


def ints_in(value: Any) -> list[int]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, dict):
        return [i for item in value.values() for i in ints_in(item)]
    if isinstance(value, list):
        return [i for item in value for i in ints_in(item)]
    return []


def test_order_has_every_top_level_key_of_the_real_fixture(real_order: dict[str, Any]) -> None:
    f = factory()
    orders = [f.order() for _ in range(200)]
    assert any(o["customer"] is None for o in orders)  # the null (POS/draft) shape too
    for order in orders:
        missing = set(real_order) - set(order)
        assert not missing, f"order {order['name']} lacks {sorted(missing)}"


def test_nested_objects_have_the_fixture_shape(real_order: dict[str, Any]) -> None:
    f = factory()
    orders = [f.order() for _ in range(100)]
    with_customer = [o for o in orders if o["customer"] is not None]
    assert with_customer
    line_keys = set(real_order["line_items"][0])
    for order in orders:
        for item in order["line_items"]:
            assert line_keys <= set(item)
            assert isinstance(item["price"], str)
            Decimal(item["price"])
            assert isinstance(item["product_id"], int)
            assert isinstance(item["variant_id"], int)
            assert item["name"] == f"{item['title']} - {item['variant_title']}"
        for key in ("total_price", "subtotal_price", "total_tax", "total_line_items_price"):
            assert isinstance(order[key], str)
            Decimal(order[key])
        assert set(real_order["client_details"]) <= set(order["client_details"])
        assert set(real_order["payment_details"]) <= set(order["payment_details"])
        for line in order["shipping_lines"]:
            assert set(real_order["shipping_lines"][0]) <= set(line)
        for tax in order["tax_lines"]:
            assert set(real_order["tax_lines"][0]) <= set(tax)
    for order in with_customer:
        assert set(real_order["customer"]) <= set(order["customer"])
        assert set(real_order["customer"]["default_address"]) <= set(
            order["customer"]["default_address"]
        )
        assert set(real_order["billing_address"]) <= set(order["billing_address"])
        assert set(real_order["shipping_address"]) <= set(order["shipping_address"])


def test_timestamps_are_iso_8601_with_offset() -> None:
    order = factory().order()
    created = datetime.fromisoformat(order["created_at"])
    assert created.utcoffset() is not None
    assert created == NOW.replace(microsecond=0)
    assert datetime.fromisoformat(order["updated_at"]) == created
    assert order["created_at"][-6] in "+-" and order["created_at"][-3] == ":"


def test_default_clock_is_now() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    order = OrderFactory(seed=1, shop=SHOP).order()
    after = datetime.now(UTC)
    assert before <= datetime.fromisoformat(order["created_at"]) <= after


def test_totals_add_up() -> None:
    f = factory(seed=11)
    for _ in range(100):
        order = f.order()
        lines = sum(Decimal(i["price"]) * i["quantity"] for i in order["line_items"])
        assert Decimal(order["total_line_items_price"]) == lines
        subtotal = lines - Decimal(order["total_discounts"])
        assert Decimal(order["subtotal_price"]) == subtotal
        shipping = sum((Decimal(s["price"]) for s in order["shipping_lines"]), Decimal(0))
        tax = Decimal(0) if order["taxes_included"] else Decimal(order["total_tax"])
        assert Decimal(order["total_price"]) == subtotal + shipping + tax


def test_same_seed_gives_same_orders_and_bytes() -> None:
    a, b = factory(seed=42), factory(seed=42)
    for _ in range(30):
        order_a, order_b = a.order(), b.order()
        assert order_a == order_b
        assert a.body(order_a) == b.body(order_b)
    assert factory(seed=43).order() != factory(seed=42).order()


def test_ids_increase_and_names_match_order_numbers() -> None:
    f = factory()
    orders = [f.order() for _ in range(50)]
    ids = [o["id"] for o in orders]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert [o["order_number"] for o in orders] == list(range(1001, 1051))
    for order in orders:
        assert order["name"] == f"#{order['order_number']}"
        assert order["admin_graphql_api_id"] == f"gid://shopify/Order/{order['id']}"
    line_ids = [i["id"] for o in orders for i in o["line_items"]]
    assert len(set(line_ids)) == len(line_ids)


def test_variety_over_200_orders() -> None:
    f = factory(seed=2026)
    orders = [f.order() for _ in range(200)]
    bodies = [f.body(o) for o in orders]

    first_names = {
        addr["first_name"]
        for o in orders
        for addr in (o["customer"], o["shipping_address"])
        if addr is not None
    }
    assert any(not name.isascii() for name in first_names), first_names
    assert len(first_names) >= 25

    null_customers = [o for o in orders if o["customer"] is None]
    assert 5 <= len(null_customers) <= 45
    for order in null_customers:
        assert order["billing_address"] is None and order["shipping_address"] is None

    assert any(len(o["line_items"]) > 1 for o in orders)
    assert all(1 <= len(o["line_items"]) <= 3 for o in orders)
    assert any(i["quantity"] > 1 for o in orders for i in o["line_items"])
    assert any(n > BIG for o in orders for n in ints_in(o))
    assert any(o["email"] == "" for o in orders)
    assert any(
        o["shipping_address"] is not None and not o["shipping_address"]["city"] for o in orders
    )
    assert (
        len({o["shipping_address"]["country_code"] for o in orders if o["shipping_address"]}) >= 5
    )
    assert len({i["product_id"] for o in orders for i in o["line_items"]}) >= 10

    in_range = [b for b in bodies if 2_000 <= len(b) <= 8_000]
    assert len(in_range) >= 0.9 * len(bodies), sorted(len(b) for b in bodies)


def test_overrides_replace_top_level_keys() -> None:
    created = "2026-01-02T03:04:05+01:00"
    items = [{"id": 1, "title": "Mystery Box", "quantity": 1, "price": "9.00"}]
    order = factory().order(created_at=created, line_items=items, customer=None, email="")
    assert order["created_at"] == created
    assert order["line_items"] == items
    assert order["customer"] is None
    assert order["email"] == ""
    assert order["order_number"] == 1001  # everything else still generated


def test_body_round_trips_with_big_ints_intact() -> None:
    f = factory(seed=5)
    big_product = 9151314442816848001
    order = f.order(
        line_items=[{"id": 1, "product_id": big_product, "variant_id": BIG + 1, "price": "1.00"}]
    )
    body = f.body(order)
    assert isinstance(body, bytes)
    assert orjson.loads(body) == order
    assert json.loads(body) == order  # stdlib parses big ints exactly too
    assert b'"product_id":9151314442816848001' in body
    assert b'"variant_id":9007199254740993' in body
    for _ in range(50):
        order = f.order()
        assert orjson.loads(f.body(order)) == order
        body_text = f.body(order).decode("utf-8")  # UTF-8, names not \u-escaped
        if order["customer"] is not None:
            assert order["customer"]["first_name"] in body_text
