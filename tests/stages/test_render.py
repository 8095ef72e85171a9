from datetime import UTC, datetime, timedelta

import pytest

from schemas import Buyer, LineItem, OrderEvent, Product, ShopSettings, notification_id
from stages.render import render, render_template, skip_reason
from tests.fixtures import PUBLIC_NOTIFICATION_KEYS

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
DEFAULTS = ShopSettings()


def order(
    *,
    first_name: str | None = "Emma",
    city: str | None = "Toronto",
    title: str = "Blue Hoodie",
    order_id: str = "9007199254740993",
    age: timedelta = timedelta(0),
    tags: tuple[str, ...] = (),
    test: bool = False,
) -> OrderEvent:
    return OrderEvent(
        event_id="e",
        webhook_id="wh",
        shop="a.myshopify.com",
        order_id=order_id,
        created_at=NOW - age,
        line_items=(LineItem(product_id="42", title=title, variant_title="M", quantity=2),),
        buyer=Buyer(first_name=first_name, city=city, country_code="CA"),
        tags=tags,
        test=test,
    )


def text(o: OrderEvent, **settings: object) -> str:
    return render(o, settings=ShopSettings.model_validate(settings), now=NOW).text


def test_default_template() -> None:
    notification = render(order(), settings=DEFAULTS, now=NOW)
    assert notification.text == "Emma in Toronto just bought Blue Hoodie"
    assert notification.fields["product"] == "Blue Hoodie"
    assert notification.occurred_at == NOW


def test_someone_when_first_name_missing() -> None:
    assert text(order(first_name=None)) == "Someone in Toronto just bought Blue Hoodie"


def test_no_dangling_in_when_city_missing() -> None:
    assert text(order(city=None)) == "Emma just bought Blue Hoodie"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "Emma in Toronto just bought Blue Hoodie"),
        ("fr", "Emma à Toronto vient d'acheter Blue Hoodie"),
        ("de", "Emma aus Toronto hat Blue Hoodie gekauft"),
        ("es", "Emma de Toronto acaba de comprar Blue Hoodie"),
    ],
)
def test_default_template_per_locale(locale: str, expected: str) -> None:
    assert text(order(), locale=locale) == expected


@pytest.mark.parametrize(
    ("locale", "someone"), [("fr", "Quelqu'un"), ("de", "Jemand"), ("es", "Alguien")]
)
def test_someone_per_locale_without_place(locale: str, someone: str) -> None:
    assert text(order(first_name=None, city=None), locale=locale).startswith(someone + " ")
    assert "{city}" not in text(order(city=None), locale=locale)


@pytest.mark.parametrize(
    ("locale", "age", "expected"),
    [
        ("en", timedelta(seconds=20), "just now"),
        ("en", timedelta(hours=3), "3 hours ago"),
        ("fr", timedelta(minutes=5), "il y a 5 minutes"),
        ("de", timedelta(hours=2), "vor 2 Stunden"),
        ("es", timedelta(days=1), "hace 1 día"),
    ],
)
def test_time_ago_is_localized(locale: str, age: timedelta, expected: str) -> None:
    assert text(order(age=age), locale=locale, templates=["{product} · {time_ago}"]).endswith(
        expected
    )


@pytest.mark.parametrize(
    ("privacy", "expected"),
    [("first_name", "Emma"), ("initial", "E."), ("anonymous", "Someone")],
)
def test_privacy_levels(privacy: str, expected: str) -> None:
    assert text(order(), privacy=privacy) == f"{expected} in Toronto just bought Blue Hoodie"


def test_templates_rotate_by_order_and_stay_stable() -> None:
    templates = ["A {product}", "B {product}", "C {product}"]
    seen = {text(order(order_id=str(n)), templates=templates)[0] for n in range(30)}
    assert seen == {"A", "B", "C"}
    assert text(order(order_id="7"), templates=templates) == text(
        order(order_id="7"), templates=templates
    )


def test_hostile_values_stay_literal_text() -> None:
    hostile = '<img src=x onerror="alert(1)">{city}'
    rendered = text(order(title=hostile, first_name="{first_name}"))
    assert rendered == '{first_name} in Toronto just bought <img src=x onerror="alert(1)">{city}'


def test_unknown_placeholder_left_visible_and_values_not_reinterpreted() -> None:
    rendered = render_template("{first_name} got {nope}", {"first_name": "{city}", "city": "X"})
    assert rendered == "{city} got {nope}"


def test_same_order_same_id_other_shop_other_id() -> None:
    first = render(order(), settings=DEFAULTS, now=NOW)
    again = render(order(), settings=DEFAULTS, now=datetime.now(UTC))
    assert first.id == again.id
    other = notification_id(shop="b.myshopify.com", kind="order", source_id="9007199254740993")
    assert other != first.id


def test_image_and_link_come_from_the_catalogue_and_follow_settings() -> None:
    lamp = Product(
        product_id="42", handle="blue-hoodie", title="Blue Hoodie", image_url="https://cdn/x.png"
    )
    shown = render(order(), settings=DEFAULTS, now=NOW, product=lamp)
    assert (shown.product_image, shown.product_url) == (
        "https://cdn/x.png",
        "/products/blue-hoodie",
    )
    hidden = render(
        order(),
        settings=ShopSettings(show_image=False, link_to_product=False),
        now=NOW,
        product=lamp,
    )
    assert (hidden.product_image, hidden.product_url) == (None, None)
    unknown = render(order(), settings=DEFAULTS, now=NOW)  # not in the catalogue: neither
    assert (unknown.product_image, unknown.product_url) == (None, None)


@pytest.mark.parametrize(
    ("o", "settings", "reason"),
    [
        (order(), ShopSettings(enabled=False), "disabled"),
        (order(age=timedelta(hours=49)), DEFAULTS, "too old"),
        (
            order(title="Gift Card"),
            ShopSettings(exclude_products=("gift card",)),
            "excluded product",
        ),
        (order(), ShopSettings(exclude_products=("42",)), "excluded product"),
        (order(tags=("Wholesale",)), ShopSettings(exclude_tags=("wholesale",)), "excluded tag"),
        (order(test=True), DEFAULTS, "test order"),
    ],
)
def test_skip_reasons(o: OrderEvent, settings: ShopSettings, reason: str) -> None:
    assert skip_reason(o, settings=settings, now=NOW) == reason


def test_test_orders_show_once_the_merchant_asks() -> None:
    settings = ShopSettings(show_test_orders=True)
    assert skip_reason(order(test=True), settings=settings, now=NOW) is None


def test_recent_order_is_shown() -> None:
    assert skip_reason(order(age=timedelta(hours=47)), settings=DEFAULTS, now=NOW) is None
    assert (
        skip_reason(
            order(age=timedelta(days=30)),
            settings=ShopSettings(hide_older_than_hours=None),
            now=NOW,
        )
        is None
    )


def test_public_view_carries_no_private_fields() -> None:
    public = render(order(), settings=DEFAULTS, now=NOW).public().model_dump()
    assert set(public) == PUBLIC_NOTIFICATION_KEYS
    assert set(public["fields"]) <= {
        "first_name",
        "city",
        "province",
        "country",
        "product",
        "variant",
        "quantity",
        "time_ago",
    }
