"""What a simulated order costs and how it is paid: money as Shopify writes it (two-decimal
strings, a shop and a presentment amount), shipping lines by destination and subtotal,
the payment gateway and card details, and checkout notes. Each part draws from the order
factory's random generator, in order, so equal seeds still give equal orders."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from simulator.buyers import Locale

__all__ = [
    "CENT",
    "CURRENCY",
    "money",
    "money_set",
    "note_attributes",
    "payment",
    "shipping_lines",
]

CENT = Decimal("0.01")
CURRENCY = "USD"


def money(amount: Decimal) -> str:
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


def money_set(amount: Decimal) -> dict[str, Any]:
    value = {"amount": money(amount), "currency_code": CURRENCY}
    return {"shop_money": value, "presentment_money": dict(value)}


def shipping_lines(
    rng: random.Random, kind: str, locale: Locale, subtotal: Decimal
) -> list[dict[str, Any]]:
    if kind == "pos":
        return []
    domestic = locale.country_code == "US"
    if rng.random() < 0.15:
        title, price = ("Express", "14.95") if domestic else ("International Express", "39.00")
    elif subtotal >= (Decimal(100) if domestic else Decimal(150)):
        title, price = "Free Shipping", "0.00"
    else:
        title, price = ("Standard", "5.95") if domestic else ("International Standard", "19.00")
    return [
        {
            "id": rng.randrange(4_000_000_000_000, 5_000_000_000_000),
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


def payment(rng: random.Random, kind: str) -> tuple[str, dict[str, Any]]:
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


def note_attributes(rng: random.Random, kind: str) -> list[dict[str, Any]]:
    if kind != "web" or rng.random() >= 0.1:
        return []
    return [{"name": "gift_message", "value": "Für dich ❤ — enjoy!"}]
