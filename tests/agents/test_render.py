from datetime import UTC, datetime

from agents.render import notification_id, render, render_template
from schemas import Buyer, LineItem, OrderEvent
from tests.fixtures import PUBLIC_NOTIFICATION_KEYS

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def order(*, first_name: str | None = "Emma", city: str | None = "Toronto") -> OrderEvent:
    return OrderEvent(
        event_id="e",
        webhook_id="wh",
        shop="a.myshopify.com",
        order_id="9007199254740993",
        created_at=NOW,
        line_items=(LineItem(title="Blue Hoodie", variant_title="M", quantity=2),),
        buyer=Buyer(first_name=first_name, city=city, country_code="CA"),
    )


def test_default_template() -> None:
    notification = render(order(), now=NOW)
    assert notification.text == "Emma in Toronto just bought Blue Hoodie"
    assert notification.fields["product"] == "Blue Hoodie"
    assert notification.occurred_at == NOW


def test_someone_when_first_name_missing() -> None:
    assert (
        render(order(first_name=None), now=NOW).text == "Someone in Toronto just bought Blue Hoodie"
    )


def test_no_dangling_in_when_city_missing() -> None:
    assert render(order(city=None), now=NOW).text == "Emma just bought Blue Hoodie"


def test_same_order_same_id_other_shop_other_id() -> None:
    first, again = render(order(), now=NOW), render(order(), now=datetime.now(UTC))
    assert first.id == again.id
    assert (
        notification_id(shop="b.myshopify.com", kind="order", source_id="9007199254740993")
        != first.id
    )


def test_unknown_placeholder_left_visible_and_values_not_reinterpreted() -> None:
    text = render_template("{first_name} got {nope}", {"first_name": "{city}", "city": "X"})
    assert text == "{city} got {nope}"


def test_public_view_carries_no_private_fields() -> None:
    public = render(order(), now=NOW).public().model_dump()
    assert set(public) == PUBLIC_NOTIFICATION_KEYS
    assert set(public["fields"]) <= {
        "first_name",
        "city",
        "province",
        "country",
        "product",
        "variant",
        "quantity",
    }
