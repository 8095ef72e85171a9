"""Properties of the pure stages, over inputs made by hypothesis: a webhook payload mutated
from real shapes either normalizes to a valid `OrderEvent` or is refused with the one
error that dead-letters it; and no public notification ever carries a buyer's private
data."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from schemas import OrderEvent, ShopSettings, WebhookEnvelope
from schemas.settings import Privacy
from simulator.orders import OrderFactory
from stages.errors import InvalidEvent
from stages.normalize import normalize
from stages.render import render

FIXTURE = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "shopify-orders-create.json"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SHOP = "a.myshopify.com"

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),  # ids above 2^53 included
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),  # every plane but surrogates (JSON cannot carry them)
    st.text(min_size=5_000, max_size=6_000),  # huge strings
    st.sampled_from(["", " ", "2026-11-25T12:00:00Z", "not a time", "voided", "refunded"]),
)
values = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=25,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _paths(inner, (*prefix, index))


def _replaced(payload: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, *rest = path
    copy = dict(payload) if isinstance(payload, dict) else list(payload)
    copy[head] = _replaced(payload[head], tuple(rest), new)
    return copy


def _real_order() -> dict[str, Any]:
    if FIXTURE.exists():
        loaded: dict[str, Any] = orjson.loads(FIXTURE.read_bytes())
        return loaded
    return OrderFactory(seed=1, shop=SHOP).order()


REAL = _real_order()
PATHS = [path for path in _paths(REAL) if path]


@st.composite
def mutated_orders(draw: st.DrawFn) -> dict[str, Any]:
    order: Any = REAL
    for path in draw(st.lists(st.sampled_from(PATHS), min_size=1, max_size=6)):
        try:
            order = _replaced(order, path, draw(values))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier replacement removed that path
    if draw(st.booleans()):  # deep nesting where a line item would be
        deep: Any = draw(values)
        for _ in range(draw(st.integers(min_value=1, max_value=200))):
            deep = [deep]
        order = {**order, "line_items": deep}
    return order if isinstance(order, dict) else {"order": order}


def envelope(payload: dict[str, Any]) -> bytes:
    return WebhookEnvelope.encode(
        webhook_id="wh",
        event_id=None,
        topic="orders/create",
        shop=SHOP,
        api_version="2026-10",
        triggered_at=NOW,
        received_at=NOW,
        # The standard library: orjson refuses integers past 64 bits, JSON does not.
        raw_payload=json.dumps(payload, ensure_ascii=False).encode(),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order=mutated_orders())
def test_any_payload_normalizes_or_is_refused_with_the_dead_letter_error(
    order: dict[str, Any],
) -> None:
    # What the webhooks agent does: parse the envelope, then normalize. It dead-letters
    # InvalidEvent, ValidationError and ValueError; anything else would crash it.
    try:
        result = normalize(WebhookEnvelope.from_json(envelope(order)))
    except (InvalidEvent, ValidationError, ValueError):
        return
    assert isinstance(result, OrderEvent)
    assert OrderEvent.from_json(result.to_json()) == result  # it survives the wire
    render(result, settings=ShopSettings(), now=NOW)  # and renders


PRIVATE_KEYS = ("email", "phone", "last_name", "address1", "address2", "zip", "browser_ip")


def _private_values(order: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for path in _paths(order):
        if path and path[-1] in PRIVATE_KEYS:
            value: Any = order
            for key in path:
                value = value[key]
            if isinstance(value, str) and len(value) >= 4:
                found.add(value)
    for key in ("total_price", "subtotal_price", "total_tax", "id"):
        if key in (order.get("customer") or {}) or key in order:
            value = order.get(key) if key != "id" else (order.get("customer") or {}).get("id")
            if value is not None and len(str(value)) >= 4:
                found.add(str(value))
    return found


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    privacy=st.sampled_from(["first_name", "initial", "anonymous", "product_only"]),
)
def test_public_notifications_never_carry_private_data(seed: int, privacy: Privacy) -> None:
    order = OrderFactory(seed=seed, shop=SHOP).order()
    event = normalize(WebhookEnvelope.from_json(envelope(order)))
    public = render(
        event,
        settings=ShopSettings(privacy=privacy),
        now=NOW,
    ).public()
    wire = public.model_dump_json()
    shown = " ".join(public.fields.values())
    for value in _private_values(order):
        if value not in shown:  # a last name that is also a product word shows anyway
            assert value not in wire, (value, wire)


@pytest.mark.skipif(not FIXTURE.exists(), reason="../shared/fixtures is not beside the repo")
def test_the_fixture_is_the_shape_mutated() -> None:
    assert REAL["line_items"] and REAL["customer"]["email"]
