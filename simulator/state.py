"""The simulated shops (themes, script tags, webhook subscriptions, the app embed), the GraphQL
Admin API shapes of those resources, and the webhook payloads Shopify documents for them (the
REST Shop resource of ``app/uninstalled``; the mandatory compliance topics)."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

__all__ = [
    "API_TOPICS",
    "COMPLIANCE_TOPICS",
    "Bucket",
    "Clock",
    "FieldError",
    "Ids",
    "ScriptTag",
    "Shop",
    "Theme",
    "WebhookSubscription",
    "connection",
    "customers_data_request_payload",
    "customers_redact_payload",
    "gid",
    "graphql_time",
    "is_shop_domain",
    "payload",
    "rest_time",
    "script_tag_node",
    "settings_data_json",
    "shop_handle",
    "shop_redact_payload",
    "shop_resource",
    "theme_file_node",
    "topic_enum",
    "topic_name",
    "user_error",
    "webhook_node",
]

Clock = Callable[[], float]

_SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
_MYSHOPIFY = ".myshopify.com"


def is_shop_domain(shop: str) -> bool:
    """``name.myshopify.com``: the only form Shopify uses for a shop in API URLs."""
    return bool(_SHOP_DOMAIN.match(shop))


def shop_handle(shop: str) -> str:
    """``demo-shop.myshopify.com`` -> ``demo-shop`` (the name in ``admin.shopify.com/store/…``)."""
    return shop.removesuffix(_MYSHOPIFY)


def gid(kind: str, number: int) -> str:
    """A GraphQL global id, e.g. ``gid://shopify/ScriptTag/170123456789``."""
    return f"gid://shopify/{kind}/{number}"


def graphql_time(moment: float) -> str:
    """GraphQL ``DateTime``: ISO-8601 in UTC with a ``Z``, whole seconds."""
    return datetime.fromtimestamp(int(moment), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rest_time(moment: float) -> str:
    return datetime.fromtimestamp(int(moment), UTC).isoformat()


# Topics an app can subscribe to through the Admin API (a subset of WebhookSubscriptionTopic).
API_TOPICS = frozenset(
    {
        "app/uninstalled",
        "app/scopes_update",
        "app_subscriptions/update",
        "carts/create",
        "carts/update",
        "checkouts/create",
        "checkouts/update",
        "customers/create",
        "customers/delete",
        "customers/update",
        "inventory_levels/update",
        "orders/cancelled",
        "orders/create",
        "orders/fulfilled",
        "orders/paid",
        "orders/partially_fulfilled",
        "orders/updated",
        "products/create",
        "products/delete",
        "products/update",
        "shop/update",
        "themes/create",
        "themes/delete",
        "themes/publish",
        "themes/update",
    }
)
# The mandatory compliance topics: configured in the app's TOML, never through the API.
COMPLIANCE_TOPICS = frozenset({"customers/data_request", "customers/redact", "shop/redact"})


def topic_enum(topic: str) -> str:
    """``app/uninstalled`` -> ``APP_UNINSTALLED`` (GraphQL ``WebhookSubscriptionTopic``)."""
    return topic.upper().replace("/", "_")


_TOPIC_NAMES = {topic_enum(topic): topic for topic in API_TOPICS | COMPLIANCE_TOPICS}


def topic_name(enum: str) -> str:
    """``APP_UNINSTALLED`` -> ``app/uninstalled`` (the ``X-Shopify-Topic`` header)."""
    known = _TOPIC_NAMES.get(enum)
    if known is not None:
        return known
    resource, _, event = enum.lower().partition("_")
    return f"{resource}/{event}"


class Ids:
    """Monotonic numeric ids per resource kind, in the ranges Shopify's ids live in."""

    _STARTS = {
        "ScriptTag": 170_123_456_000,
        "WebhookSubscription": 1_460_987_650_000,
        "OnlineStoreTheme": 139_812_345_000,
        "Customer": 7_301_234_560_000,
        "Order": 5_601_234_560_000,
        "DataRequest": 9_999_000,
        "Location": 68_123_450_000,
        "User": 84_123_450_000,
    }

    def __init__(self) -> None:
        self._counters: dict[str, Iterator[int]] = {}

    def next(self, kind: str) -> int:
        counter = self._counters.get(kind)
        if counter is None:
            counter = self._counters[kind] = itertools.count(self._STARTS.get(kind, 1_000_000))
        return next(counter)


@dataclass
class ScriptTag:
    id: int
    src: str
    created_at: float
    display_scope: str = "ONLINE_STORE"
    cache: bool = False


@dataclass
class WebhookSubscription:
    id: int
    topic: str  # the GraphQL enum, e.g. APP_UNINSTALLED
    uri: str
    created_at: float
    api_version: str
    format: str = "JSON"
    include_fields: list[str] = field(default_factory=list)
    filter: str | None = None


@dataclass
class Theme:
    id: int
    name: str
    role: str  # MAIN, UNPUBLISHED, DEVELOPMENT, …
    created_at: float


@dataclass
class Shop:
    """One store, as much of it as the app can observe."""

    domain: str
    id: int
    name: str
    email: str
    created_at: float
    currency: str = "USD"
    # The app embed in the main theme: True on, False added but switched off, None never added.
    embed: bool | None = None
    embed_block_id: str = ""
    themes: list[Theme] = field(default_factory=list)
    script_tags: list[ScriptTag] = field(default_factory=list)
    webhooks: list[WebhookSubscription] = field(default_factory=list)
    # App-owned metafields on the app installation: (namespace, key) -> value.
    app_metafields: dict[tuple[str, str], str] = field(default_factory=dict)
    primary_location_id: int = 0

    @classmethod
    def create(cls, domain: str, *, ids: Ids, now: float) -> Shop:
        digest = hashlib.sha256(domain.encode()).digest()
        handle = shop_handle(domain)
        shop = cls(
            domain=domain,
            # Stable across runs: a shop keeps its id, like the real one does.
            id=60_000_000_000 + int.from_bytes(digest[:5], "big") % 9_000_000_000,
            name=" ".join(part.capitalize() for part in handle.split("-")),
            email=f"owner@{handle}.example",
            created_at=now - 86_400 * 120,
            embed_block_id=str(10**19 + int.from_bytes(digest[5:13], "big") % (8 * 10**19)),
            primary_location_id=ids.next("Location"),
        )
        shop.themes = [
            Theme(ids.next("OnlineStoreTheme"), "Horizon", "MAIN", shop.created_at),
            Theme(ids.next("OnlineStoreTheme"), "Dawn", "UNPUBLISHED", shop.created_at),
        ]
        return shop

    @property
    def main_theme(self) -> Theme:
        return next(theme for theme in self.themes if theme.role == "MAIN")


# Shopify prepends this comment to settings_data.json (so it is not plain JSON: strip it first).
_SETTINGS_DATA_HEADER = """/*
 * ------------------------------------------------------------
 * IMPORTANT: The contents of this file are auto-generated.
 *
 * This file may be updated by the Shopify admin theme editor
 * or related systems. Please exercise caution as any changes
 * made to this file may be overwritten.
 * ------------------------------------------------------------
 */
"""

_THEME_SETTINGS: dict[str, Any] = {
    "logo_width": 90,
    "color_schemes": {
        "scheme-1": {
            "settings": {
                "background": "#ffffff",
                "text": "#121212",
                "button": "#121212",
                "button_label": "#ffffff",
            }
        }
    },
    "type_header_font": "assistant_n4",
    "type_body_font": "assistant_n4",
    "page_width": 1200,
    "cart_type": "notification",
    "currency_code_enabled": True,
    "social_instagram_link": "",
}


def settings_data_json(shop: Shop, *, block_type: str) -> str:
    """The main theme's ``config/settings_data.json`` as the Admin API returns it.

    App embeds live in ``current.blocks``, an object keyed by a Shopify-generated numeric id; a
    switched-off embed stays there with ``"disabled": true``; one never added is absent.
    """
    blocks: dict[str, Any] = {}
    if shop.embed is not None:
        blocks[shop.embed_block_id] = {
            "type": block_type,
            "disabled": not shop.embed,
            "settings": {},
        }
    document = {
        "current": {**_THEME_SETTINGS, "blocks": blocks, "sections": {}, "content_for_index": []},
        "presets": {"Default": dict(_THEME_SETTINGS)},
    }
    return _SETTINGS_DATA_HEADER + orjson.dumps(document, option=orjson.OPT_INDENT_2).decode()


# --- GraphQL shapes of the resources ------------------------------------------------------


class FieldError(Exception):
    """A resolver's error: the field becomes null and the message joins ``errors``."""

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.extensions = extensions


@dataclass
class Bucket:
    """The leaky bucket of one app on one shop: ``restore_rate`` points come back per second."""

    updated_at: float
    maximum: float = 2000.0
    restore_rate: float = 100.0
    available: float = 2000.0

    def refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.updated_at)
        self.available = min(self.maximum, self.available + elapsed * self.restore_rate)
        self.updated_at = now

    def status(self) -> dict[str, float | int]:
        return {
            "maximumAvailable": self.maximum,
            "currentlyAvailable": int(self.available),
            "restoreRate": self.restore_rate,
        }


def payload(kind: str, **fields: Any) -> dict[str, Any]:
    return {"__typename": f"{kind}Payload", **fields}


def user_error(where: list[str], message: str) -> dict[str, Any]:
    return {"__typename": "UserError", "field": where, "message": message}


def _cursor(node: dict[str, Any]) -> str:
    raw = json.dumps({"last_id": int(str(node.get("id", "0")).rsplit("/", 1)[-1] or 0)})
    return base64.b64encode(raw.encode()).decode()


def connection(node_type: str, nodes: list[dict[str, Any]], args: dict[str, Any]) -> dict[str, Any]:
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise FieldError("you must provide one of first or last")
    if args.get("reverse"):
        nodes = nodes[::-1]
    cursors = [_cursor(node) for node in nodes]
    start = cursors.index(args["after"]) + 1 if args.get("after") in cursors else 0
    window = nodes[start:]
    if first is not None:
        window = window[: int(first)]
    elif last is not None:
        window = window[-int(last) :] if int(last) else []
    begin = start + nodes[start:].index(window[0]) if window else start
    edges = [
        {"__typename": f"{node_type}Edge", "node": node, "cursor": cursors[begin + i]}
        for i, node in enumerate(window)
    ]
    return {
        "__typename": f"{node_type}Connection",
        "nodes": window,
        "edges": edges,
        "pageInfo": {
            "__typename": "PageInfo",
            "hasNextPage": begin + len(window) < len(nodes),
            "hasPreviousPage": begin > 0,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def theme_file_node(name: str, content: str, stamp: str) -> dict[str, Any]:
    data = content.encode()
    kind = "application/json" if name.endswith(".json") else "application/x-liquid"
    return {
        "__typename": "OnlineStoreThemeFile",
        "filename": name,
        "size": str(len(data)),
        "contentType": kind,
        "checksumMd5": hashlib.md5(data, usedforsecurity=False).hexdigest(),
        "createdAt": stamp,
        "updatedAt": stamp,
        "body": {"__typename": "OnlineStoreThemeFileBodyText", "content": content},
    }


def script_tag_node(tag: ScriptTag) -> dict[str, Any]:
    stamp = graphql_time(tag.created_at)
    return {
        "__typename": "ScriptTag",
        "id": gid("ScriptTag", tag.id),
        "src": tag.src,
        "displayScope": tag.display_scope,
        "cache": tag.cache,
        "createdAt": stamp,
        "updatedAt": stamp,
        "legacyResourceId": str(tag.id),
    }


def webhook_node(sub: WebhookSubscription) -> dict[str, Any]:
    stamp = graphql_time(sub.created_at)
    return {
        "__typename": "WebhookSubscription",
        "id": gid("WebhookSubscription", sub.id),
        "topic": sub.topic,
        "uri": sub.uri,
        "callbackUrl": sub.uri,
        "format": sub.format,
        "includeFields": sub.include_fields,
        "filter": sub.filter,
        "createdAt": stamp,
        "updatedAt": stamp,
        "legacyResourceId": str(sub.id),
        "apiVersion": {
            "__typename": "ApiVersion",
            "handle": sub.api_version,
            "displayName": sub.api_version,
            "supported": True,
        },
        "endpoint": {"__typename": "WebhookHttpEndpoint", "callbackUrl": sub.uri},
    }


# --- payloads (Privacy law compliance; the REST Shop resource) ----------------------------


def shop_resource(shop: Shop) -> dict[str, Any]:
    """The REST Shop resource: the body of ``app/uninstalled`` (and ``shop/update``)."""
    money = "${{amount}}"
    return {
        "id": shop.id,
        "name": shop.name,
        "email": shop.email,
        "domain": shop.domain,
        "province": "New York",
        "country": "US",
        "address1": "228 Park Ave S",
        "zip": "10003",
        "city": "New York",
        "source": None,
        "phone": "+12125550142",
        "latitude": 40.7359,
        "longitude": -73.9911,
        "primary_locale": "en",
        "address2": "",
        "created_at": rest_time(shop.created_at),
        "updated_at": rest_time(shop.created_at + 3600),
        "country_code": "US",
        "country_name": "United States",
        "currency": shop.currency,
        "customer_email": shop.email,
        "timezone": "(GMT-05:00) Eastern Time (US & Canada)",
        "iana_timezone": "America/New_York",
        "shop_owner": "Alex Rivera",
        "money_format": money,
        "money_with_currency_format": f"{money} {shop.currency}",
        "weight_unit": "lb",
        "province_code": "NY",
        "taxes_included": False,
        "auto_configure_tax_inclusivity": None,
        "tax_shipping": None,
        "county_taxes": True,
        "plan_display_name": "Basic",
        "plan_name": "basic",
        "has_discounts": False,
        "has_gift_cards": False,
        "myshopify_domain": shop.domain,
        "google_apps_domain": None,
        "google_apps_login_enabled": None,
        "money_in_emails_format": money,
        "money_with_currency_in_emails_format": f"{money} {shop.currency}",
        "eligible_for_payments": True,
        "requires_extra_payments_agreement": False,
        "password_enabled": False,
        "has_storefront": True,
        "finances": True,
        "primary_location_id": shop.primary_location_id,
        "checkout_api_supported": True,
        "multi_location_enabled": True,
        "setup_required": False,
        "pre_launch_enabled": False,
        "enabled_presentment_currencies": [shop.currency],
        "marketing_sms_consent_enabled_at_checkout": False,
        "transactional_sms_disabled": False,
    }


def _shop_ref(shop: Shop) -> dict[str, Any]:
    return {"shop_id": shop.id, "shop_domain": shop.domain}


def _orders(ids: Ids, given: list[int] | None) -> list[int]:
    return given if given is not None else [ids.next("Order")]


def _customer(
    ids: Ids,
    *,
    customer_id: int | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> dict[str, Any]:
    number = customer_id if customer_id is not None else ids.next("Customer")
    return {
        "id": number,
        "email": email if email is not None else f"customer-{number}@example.com",
        "phone": phone if phone is not None else "+15145550199",
    }


def customers_data_request_payload(
    shop: Shop,
    *,
    ids: Ids,
    orders_requested: list[int] | None = None,
    data_request_id: int | None = None,
    **customer: Any,
) -> dict[str, Any]:
    """``customers/data_request`` (Privacy law compliance); ``customer``: customer_id, email,
    phone (made up when not given)."""
    if data_request_id is None:
        data_request_id = ids.next("DataRequest")
    return _shop_ref(shop) | {
        "orders_requested": _orders(ids, orders_requested),
        "customer": _customer(ids, **customer),
        "data_request": {"id": data_request_id},
    }


def customers_redact_payload(
    shop: Shop, *, ids: Ids, orders_to_redact: list[int] | None = None, **customer: Any
) -> dict[str, Any]:
    """``customers/redact`` (Privacy law compliance); ``customer`` as for
    `customers_data_request_payload`."""
    return _shop_ref(shop) | {
        "customer": _customer(ids, **customer),
        "orders_to_redact": _orders(ids, orders_to_redact),
    }


def shop_redact_payload(shop: Shop) -> dict[str, Any]:
    """``shop/redact``, sent 48 hours after uninstall (Privacy law compliance)."""
    return _shop_ref(shop)
