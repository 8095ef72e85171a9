"""Seeded generator of realistic Shopify ``orders/create`` webhook bodies (REST Order resources),
shaped on the real sample in shared/fixtures/shopify-orders-create.json."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import orjson

from simulator.buyers import (
    DISCOUNTS,
    EMAIL_DOMAINS,
    LANDING_QUERIES,
    LOCALE_WEIGHTS,
    LOCALES,
    NOTES,
    PROPERTIES,
    REFERRERS,
    SHOP_OFFSETS,
    USER_AGENTS,
    City,
    Locale,
)
from simulator.catalogue import CATALOGUE, PRODUCTS_BY_ID, Product, Variant

__all__ = ["CATALOGUE", "OrderFactory", "Product", "Variant"]

_CENT = Decimal("0.01")
_CURRENCY = "USD"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _money(amount: Decimal) -> str:
    return str(amount.quantize(_CENT, rounding=ROUND_HALF_UP))


def _money_set(amount: Decimal) -> dict[str, Any]:
    value = {"amount": _money(amount), "currency_code": _CURRENCY}
    return {"shop_money": value, "presentment_money": dict(value)}


def _shop_host(shop: str) -> str:
    return shop if "." in shop else f"{shop}.myshopify.com"


def _ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in folded.lower() if ch.isalnum())


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
            discount = (line_total * Decimal(pct)).quantize(_CENT, rounding=ROUND_HALF_UP)
            discount_codes.append({"code": code, "amount": _money(discount), "type": "percentage"})
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
        shipping_lines = self._shipping_lines(kind, locale, subtotal)
        shipping = sum((Decimal(line["price"]) for line in shipping_lines), Decimal(0))
        rate = Decimal(locale.tax_rate)
        if locale.taxes_included:
            tax = (subtotal + shipping) - (subtotal + shipping) / (1 + rate)
        else:
            tax = (subtotal + shipping) * rate
        tax = tax.quantize(_CENT, rounding=ROUND_HALF_UP)
        total = subtotal + shipping + (Decimal(0) if locale.taxes_included else tax)
        weight = sum(item["grams"] * item["quantity"] for item in line_items)

        if kind == "web":
            email = "" if rng.random() < 0.05 else self._email(first_name, last_name, rng)
        else:
            email = "" if rng.random() < 0.7 else self._email(first_name, last_name, rng)
        phone = self._phone(locale) if rng.random() < 0.2 else None
        browser_ip = self._browser_ip() if kind == "web" else None

        customer: dict[str, Any] | None = None
        billing: dict[str, Any] | None = None
        shipping_address: dict[str, Any] | None = None
        if kind == "web":
            city = rng.choice(locale.cities)
            street = rng.choice(locale.streets).format(n=rng.randint(1, 240))
            address_phone = self._phone(locale) if rng.random() < 0.6 else None
            billing = self._address(first_name, last_name, locale, city, street, address_phone)
            shipping_address = dict(billing)
            if rng.random() < 0.06:
                shipping_address["city"] = None
            customer = self._customer(
                first_name, last_name, email, phone, created, locale, city, street, address_phone
            )

        token = f"{rng.getrandbits(128):032x}"
        gateway, payment_details = self._payment(kind)
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
            "currency": _CURRENCY,
            "current_subtotal_price": _money(subtotal),
            "current_total_discounts": _money(discount),
            "current_total_price": _money(total),
            "current_total_tax": _money(tax),
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
            "note_attributes": self._note_attributes(kind),
            "number": number,
            "order_number": order_number,
            "order_status_url": (
                f"https://{_shop_host(self.shop)}/{self._shop_id}/orders/{token}"
                f"/authenticate?key={rng.getrandbits(128):032x}"
            ),
            "payment_details": payment_details,
            "payment_gateway_names": [gateway],
            "phone": phone,
            "presentment_currency": _CURRENCY,
            "processed_at": created_at,
            "processing_method": "direct",
            "reference": None,
            "referring_site": referrer,
            "source": None,
            "source_identifier": None,
            "source_name": {"web": "web", "pos": "pos", "draft": "shopify_draft_order"}[kind],
            "subtotal_price": _money(subtotal),
            "tags": "",
            "tax_lines": [{"price": _money(tax), "rate": float(rate), "title": locale.tax_title}],
            "taxes_included": locale.taxes_included,
            "test": False,
            "token": token,
            "total_discounts": _money(discount),
            "total_line_items_price": _money(line_total),
            "total_outstanding": "0.00" if financial_status == "paid" else _money(total),
            "total_price": _money(total),
            "total_price_set": _money_set(total),
            "total_price_usd": _money(total),
            "total_tax": _money(tax),
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

    def _shipping_lines(self, kind: str, locale: Locale, subtotal: Decimal) -> list[dict[str, Any]]:
        if kind == "pos":
            return []
        domestic = locale.country_code == "US"
        if self._rng.random() < 0.15:
            title, price = ("Express", "14.95") if domestic else ("International Express", "39.00")
        elif subtotal >= (Decimal(100) if domestic else Decimal(150)):
            title, price = "Free Shipping", "0.00"
        else:
            title, price = ("Standard", "5.95") if domestic else ("International Standard", "19.00")
        return [
            {
                "id": self._rng.randrange(4_000_000_000_000, 5_000_000_000_000),
                "carrier_identifier": None,
                "code": title,
                "discounted_price": price,
                "phone": None,
                "price": price,
                "source": "shopify",
                "title": title,
                "tax_lines": [],
                "discount_allocations": [],
            }
        ]

    def _email(self, first: str, last: str, rng: random.Random) -> str:
        first_slug, last_slug = _ascii_slug(first), _ascii_slug(last)
        if first_slug and last_slug:
            local = rng.choice((f"{first_slug}.{last_slug}", f"{first_slug[0]}{last_slug}"))
        else:
            local = f"{first_slug or last_slug or 'buyer'}{rng.randint(10, 9999)}"
        return f"{local}@{rng.choice(EMAIL_DOMAINS)}"

    def _phone(self, locale: Locale) -> str:
        return f"{locale.phone_prefix}{self._rng.randint(10**8, 10**9 - 1)}"

    def _browser_ip(self) -> str:
        rng = self._rng
        if rng.random() < 0.15:  # documentation ranges only (RFC 3849 / RFC 5737)
            return f"2001:db8:{rng.randrange(0x10000):x}::{rng.randrange(1, 0x10000):x}"
        net = rng.choice(("192.0.2", "198.51.100", "203.0.113"))
        return f"{net}.{rng.randint(1, 254)}"

    def _address(
        self,
        first: str,
        last: str,
        locale: Locale,
        city: City,
        street: str,
        phone: str | None,
    ) -> dict[str, Any]:
        return {
            "address1": street,
            "address2": "" if self._rng.random() < 0.8 else f"Apt {self._rng.randint(1, 40)}",
            "city": city.name,
            "company": None,
            "country": locale.country,
            "first_name": first,
            "last_name": last,
            "latitude": city.latitude,
            "longitude": city.longitude,
            "phone": phone,
            "province": city.province,
            "zip": city.zip,
            "name": f"{first} {last}",
            "country_code": locale.country_code,
            "province_code": city.province_code,
        }

    def _customer(
        self,
        first: str,
        last: str,
        email: str,
        phone: str | None,
        created: datetime,
        locale: Locale,
        city: City,
        street: str,
        address_phone: str | None,
    ) -> dict[str, Any]:
        rng = self._rng
        customer_id = rng.randrange(6_000_000_000_000, 8_000_000_000_000)
        since = created - timedelta(days=rng.randint(0, 1500), seconds=rng.randint(0, 86_399))
        orders_count = rng.choices((1, 2, 3, 5, 12), (60, 20, 10, 7, 3))[0]
        consent = rng.random() < 0.35
        return {
            "id": customer_id,
            "accepts_marketing": consent,
            "created_at": since.isoformat(),
            "currency": _CURRENCY,
            "email": email or None,
            "first_name": first,
            "last_name": last,
            "last_order_id": None,
            "last_order_name": None,
            "multipass_identifier": None,
            "note": None,
            "orders_count": orders_count,
            "phone": phone,
            "state": "enabled" if rng.random() < 0.3 else "disabled",
            "tags": "",
            "tax_exempt": False,
            "total_spent": "0.00",
            "updated_at": created.isoformat(),
            "verified_email": bool(email),
            "default_address": {
                "id": rng.randrange(8_000_000_000_000, 9_000_000_000_000),
                "customer_id": customer_id,
                "address1": street,
                "address2": "",
                "city": city.name,
                "company": None,
                "country": locale.country,
                "first_name": first,
                "last_name": last,
                "phone": address_phone,
                "province": city.province,
                "zip": city.zip,
                "name": f"{first} {last}",
                "province_code": city.province_code,
                "country_code": locale.country_code,
                "country_name": locale.country,
                "default": True,
            },
        }

    def _payment(self, kind: str) -> tuple[str, dict[str, Any]]:
        rng = self._rng
        if kind == "draft":
            gateway = "manual"
        elif kind == "pos":
            gateway = rng.choice(("shopify_payments", "cash"))
        else:
            gateway = rng.choices(("shopify_payments", "paypal"), (80, 20))[0]
        if gateway == "shopify_payments":
            company = rng.choice(("Visa", "Mastercard", "American Express"))
            last4 = f"{rng.randint(0, 9999):04d}"
            return gateway, {
                "avs_result_code": "Y" if kind == "web" else None,
                "credit_card_bin": None,
                "cvv_result_code": "M" if kind == "web" else None,
                "credit_card_number": f"•••• •••• •••• {last4}",
                "credit_card_company": company,
            }
        return gateway, {
            "avs_result_code": None,
            "credit_card_bin": None,
            "cvv_result_code": None,
            "credit_card_number": None,
            "credit_card_company": None,
        }

    def _note_attributes(self, kind: str) -> list[dict[str, Any]]:
        if kind != "web" or self._rng.random() >= 0.1:
            return []
        return [{"name": "gift_message", "value": "Für dich ❤ — enjoy!"}]
