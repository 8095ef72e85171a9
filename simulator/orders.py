"""Seeded generator of realistic Shopify ``orders/create`` webhook bodies (REST Order resources),
shaped on the real sample in shared/fixtures/shopify-orders-create.json."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import orjson

from simulator import checkout, customers
from simulator.buyers import (
    DISCOUNTS,
    LANDING_QUERIES,
    LOCALE_WEIGHTS,
    LOCALES,
    NOTES,
    PROPERTIES,
    REFERRERS,
    SHOP_OFFSETS,
    USER_AGENTS,
    Locale,
)
from simulator.catalogue import CATALOGUE, PRODUCTS_BY_ID, Product, Variant

__all__ = ["CATALOGUE", "OrderFactory", "Product", "Variant"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _shop_host(shop: str) -> str:
    return shop if "." in shop else f"{shop}.myshopify.com"


class OrderFactory:
    """Generates one shop's ``orders/create`` bodies; equal seeds (and clocks) give equal orders.

    ``clock`` returns the moment an order is created (default: the wall clock, UTC); pass a
    fixed clock for fully reproducible output. Order ids and numbers increase per factory.
    """

    def __init__(
        self,
        *,
        seed: int | None = None,
        shop: str,
        clock: Callable[[], datetime] | None = None,
        first_order_number: int = 1001,
    ) -> None:
        self.shop = shop
        self._rng = random.Random(seed)  # noqa: S311 - simulated data, not secrets
        self._clock = clock or _utc_now
        self._shop_id = self._rng.randrange(10**10, 10**11)
        self._tz = timezone(timedelta(hours=self._rng.choice(SHOP_OFFSETS)))
        self._next_order_id = 5_600_000_000_000 + self._rng.randrange(10**11)
        self._next_line_item_id = 14_300_000_000_000 + self._rng.randrange(10**11)
        self._next_number = first_order_number
        self._first_order_number = first_order_number

    # -- public -----------------------------------------------------------------------------

    def order(self, **overrides: Any) -> dict[str, Any]:
        """One REST Order resource; ``overrides`` replace (or add) top-level keys as given."""
        rng = self._rng
        order_id = self._take_order_id()
        order_number = self._next_number
        self._next_number += 1
        created = self._clock().astimezone(self._tz).replace(microsecond=0)
        created_at = created.isoformat()

        roll = rng.random()
        kind = "web" if roll >= 0.10 else ("pos" if roll < 0.06 else "draft")
        locale = LOCALES[0] if kind == "pos" else self._pick_locale()
        name_locale = self._pick_locale() if rng.random() < 0.15 else locale
        first_name = rng.choice(name_locale.first_names)
        last_name = rng.choice(name_locale.last_names)

        line_items = self._line_items(kind)
        line_total = sum(
            (Decimal(item["price"]) * item["quantity"] for item in line_items), Decimal(0)
        )
        discount_codes: list[dict[str, Any]] = []
        discount_applications: list[dict[str, Any]] = []
        discount = Decimal(0)
        if kind == "web" and rng.random() < 0.15:
            code, pct = rng.choice(DISCOUNTS)
            discount = (line_total * Decimal(pct)).quantize(checkout.CENT, rounding=ROUND_HALF_UP)
            discount_codes.append(
                {"code": code, "amount": checkout.money(discount), "type": "percentage"}
            )
            discount_applications.append(
                {
                    "type": "discount_code",
                    "value": str(Decimal(pct) * 100),
                    "value_type": "percentage",
                    "allocation_method": "across",
                    "target_selection": "all",
                    "target_type": "line_item",
                    "code": code,
                }
            )
        subtotal = line_total - discount
        shipping_lines = checkout.shipping_lines(rng, kind, locale, subtotal)
        shipping = sum((Decimal(line["price"]) for line in shipping_lines), Decimal(0))
        rate = Decimal(locale.tax_rate)
        if locale.taxes_included:
            tax = (subtotal + shipping) - (subtotal + shipping) / (1 + rate)
        else:
            tax = (subtotal + shipping) * rate
        tax = tax.quantize(checkout.CENT, rounding=ROUND_HALF_UP)
        total = subtotal + shipping + (Decimal(0) if locale.taxes_included else tax)
        weight = sum(item["grams"] * item["quantity"] for item in line_items)

        if kind == "web":
            email = "" if rng.random() < 0.05 else customers.email(rng, first_name, last_name)
        else:
            email = "" if rng.random() < 0.7 else customers.email(rng, first_name, last_name)
        phone = customers.phone(rng, locale) if rng.random() < 0.2 else None
        browser_ip = customers.browser_ip(rng) if kind == "web" else None

        customer: dict[str, Any] | None = None
        billing: dict[str, Any] | None = None
        shipping_address: dict[str, Any] | None = None
        if kind == "web":
            city = rng.choice(locale.cities)
            street = rng.choice(locale.streets).format(n=rng.randint(1, 240))
            address_phone = customers.phone(rng, locale) if rng.random() < 0.6 else None
            billing = customers.address(
                rng, first_name, last_name, locale, city, street, address_phone
            )
            shipping_address = dict(billing)
            if rng.random() < 0.06:
                shipping_address["city"] = None
            customer = customers.customer(
                rng,
                first_name,
                last_name,
                email,
                phone,
                created,
                locale,
                city,
                street,
                address_phone,
            )

        token = f"{rng.getrandbits(128):032x}"
        gateway, payment_details = checkout.payment(rng, kind)
        financial_status = rng.choices(("paid", "authorized", "pending"), (85, 10, 5))[0]
        handle = PRODUCTS_BY_ID[line_items[0]["product_id"]].handle
        referrer = rng.choice(REFERRERS) if kind == "web" else None
        landing_query = rng.choice(LANDING_QUERIES)
        number = order_number - self._first_order_number + 1
        checkout_id = order_id + rng.randint(10**9, 9 * 10**9) if kind == "web" else None

        order: dict[str, Any] = {
            "id": order_id,
            "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
            "app_id": {"web": 580111, "pos": 129785, "draft": 1354745}[kind],
            "browser_ip": browser_ip,
            "buyer_accepts_marketing": rng.random() < 0.35,
            "cancel_reason": None,
            "cancelled_at": None,
            "cart_token": f"{rng.getrandbits(128):032x}" if kind == "web" else None,
            "checkout_id": checkout_id,
            "checkout_token": f"{rng.getrandbits(128):032x}" if kind == "web" else None,
            "client_details": {
                "accept_language": locale.accept_language if kind == "web" else None,
                "browser_height": None,
                "browser_ip": browser_ip,
                "browser_width": None,
                "session_hash": None,
                "user_agent": rng.choice(USER_AGENTS) if kind == "web" else None,
            },
            "closed_at": None,
            "confirmed": True,
            "contact_email": email or None,
            "created_at": created_at,
            "currency": checkout.CURRENCY,
            "current_subtotal_price": checkout.money(subtotal),
            "current_total_discounts": checkout.money(discount),
            "current_total_price": checkout.money(total),
            "current_total_tax": checkout.money(tax),
            "customer_locale": locale.language if kind == "web" else None,
            "email": email,
            "estimated_taxes": False,
            "financial_status": financial_status,
            "fulfillment_status": "fulfilled" if kind == "pos" else None,
            "gateway": gateway,
            "landing_site": f"/products/{handle}{landing_query}" if kind == "web" else None,
            "landing_site_ref": "abc" if landing_query == "?source=abc" else None,
            "location_id": 61_234_567_891 if kind == "pos" else None,
            "name": f"#{order_number}",
            "note": rng.choice(NOTES) if kind == "web" else None,
            "note_attributes": checkout.note_attributes(rng, kind),
            "number": number,
            "order_number": order_number,
            "order_status_url": (
                f"https://{_shop_host(self.shop)}/{self._shop_id}/orders/{token}"
                f"/authenticate?key={rng.getrandbits(128):032x}"
            ),
            "payment_details": payment_details,
            "payment_gateway_names": [gateway],
            "phone": phone,
            "presentment_currency": checkout.CURRENCY,
            "processed_at": created_at,
            "processing_method": "direct",
            "reference": None,
            "referring_site": referrer,
            "source": None,
            "source_identifier": None,
            "source_name": {"web": "web", "pos": "pos", "draft": "shopify_draft_order"}[kind],
            "subtotal_price": checkout.money(subtotal),
            "tags": "",
            "tax_lines": [
                {"price": checkout.money(tax), "rate": float(rate), "title": locale.tax_title}
            ],
            "taxes_included": locale.taxes_included,
            "test": False,
            "token": token,
            "total_discounts": checkout.money(discount),
            "total_line_items_price": checkout.money(line_total),
            "total_outstanding": "0.00" if financial_status == "paid" else checkout.money(total),
            "total_price": checkout.money(total),
            "total_price_set": checkout.money_set(total),
            "total_price_usd": checkout.money(total),
            "total_tax": checkout.money(tax),
            "total_tip_received": "0.00",
            "total_weight": weight,
            "updated_at": created_at,
            "user_id": 73_984_231_001 if kind == "pos" else None,
            "billing_address": billing,
            "customer": customer,
            "discount_applications": discount_applications,
            "discount_codes": discount_codes,
            "fulfillments": [],
            "line_items": line_items,
            "refunds": [],
            "shipping_address": shipping_address,
            "shipping_lines": shipping_lines,
        }
        order.update(overrides)
        return order

    def body(self, order: dict[str, Any]) -> bytes:
        """The exact bytes Shopify would POST (compact JSON, UTF-8, ids as JSON integers)."""
        return orjson.dumps(order)

    # -- parts ------------------------------------------------------------------------------

    def _take_order_id(self) -> int:
        order_id = self._next_order_id
        self._next_order_id += self._rng.randint(1_000, 900_000)
        return order_id

    def _pick_locale(self) -> Locale:
        return self._rng.choices(LOCALES, LOCALE_WEIGHTS)[0]

    def _line_items(self, kind: str) -> list[dict[str, Any]]:
        rng = self._rng
        count = rng.choices((1, 2, 3), (60, 28, 12))[0]
        items: list[dict[str, Any]] = []
        for product in rng.sample(CATALOGUE, count):
            variant = rng.choice(product.variants)
            quantity = rng.choices((1, 2, 3, 4), (75, 18, 5, 2))[0]
            line_id = self._next_line_item_id
            self._next_line_item_id += rng.randint(1_000, 90_000)
            properties = [dict(rng.choice(PROPERTIES))] if rng.random() < 0.12 else []
            items.append(
                {
                    "id": line_id,
                    "current_quantity": quantity,
                    "fulfillable_quantity": 0 if kind == "pos" else quantity,
                    "fulfillment_service": "manual",
                    "fulfillment_status": "fulfilled" if kind == "pos" else None,
                    "gift_card": False,
                    "grams": product.grams,
                    "name": f"{product.title} - {variant.title}",
                    "price": variant.price,
                    "product_exists": True,
                    "product_id": product.id,
                    "properties": properties,
                    "quantity": quantity,
                    "requires_shipping": kind != "pos",
                    "sku": variant.sku,
                    "taxable": True,
                    "title": product.title,
                    "total_discount": "0.00",
                    "variant_id": variant.id,
                    "variant_inventory_management": "shopify",
                    "variant_title": variant.title,
                    "vendor": product.vendor,
                    "tax_lines": [],
                    "duties": [],
                    "discount_allocations": [],
                }
            )
        return items
