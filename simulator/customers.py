"""The buyer as a simulated order carries them: email, phone, browser address, billing and
shipping addresses and the customer record, for a name and city drawn from a locale
(`simulator/buyers.py`). Each draws from the order factory's random generator, in order,
so equal seeds still give equal orders."""

from __future__ import annotations

import random
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from simulator.buyers import EMAIL_DOMAINS, City, Locale
from simulator.checkout import CURRENCY

__all__ = ["address", "browser_ip", "customer", "email", "phone"]


def email(rng: random.Random, first: str, last: str) -> str:
    first_slug, last_slug = _ascii_slug(first), _ascii_slug(last)
    if first_slug and last_slug:
        local = rng.choice((f"{first_slug}.{last_slug}", f"{first_slug[0]}{last_slug}"))
    else:
        local = f"{first_slug or last_slug or 'buyer'}{rng.randint(10, 9999)}"
    return f"{local}@{rng.choice(EMAIL_DOMAINS)}"


def phone(rng: random.Random, locale: Locale) -> str:
    return f"{locale.phone_prefix}{rng.randint(10**8, 10**9 - 1)}"


def browser_ip(rng: random.Random) -> str:
    if rng.random() < 0.15:  # documentation ranges only (RFC 3849 / RFC 5737)
        return f"2001:db8:{rng.randrange(0x10000):x}::{rng.randrange(1, 0x10000):x}"
    net = rng.choice(("192.0.2", "198.51.100", "203.0.113"))
    return f"{net}.{rng.randint(1, 254)}"


def address(
    rng: random.Random,
    first: str,
    last: str,
    locale: Locale,
    city: City,
    street: str,
    phone: str | None,
) -> dict[str, Any]:
    return {
        "address1": street,
        "address2": "" if rng.random() < 0.8 else f"Apt {rng.randint(1, 40)}",
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


def customer(
    rng: random.Random,
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
    customer_id = rng.randrange(6_000_000_000_000, 8_000_000_000_000)
    since = created - timedelta(days=rng.randint(0, 1500), seconds=rng.randint(0, 86_399))
    orders_count = rng.choices((1, 2, 3, 5, 12), (60, 20, 10, 7, 3))[0]
    consent = rng.random() < 0.35
    return {
        "id": customer_id,
        "accepts_marketing": consent,
        "created_at": since.isoformat(),
        "currency": CURRENCY,
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


def _ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in folded.lower() if ch.isalnum())
