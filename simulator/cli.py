"""`proofstream simulate`: play Shopify from the command line.

Without an action it sends signed `orders/create` webhooks for one or more shops at a
steady rate, and notes each order it sent in a journal. The actions send what Shopify
sends later in a shop's life, about those orders: `cancel`, `refund` (full or partial),
`uninstall`, `data-request`, `redact-customer`, `redact-shop`. Deliveries are trimmed
to the app's `include_fields` (`shopify.app.toml`) when that file is found.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import structlog

from simulator.catalogue import CATALOGUE, product_payload
from simulator.fields import subscribed_fields
from simulator.followups import cancelled, refund
from simulator.orders import OrderFactory
from simulator.state import (
    Ids,
    Shop,
    customers_data_request_payload,
    customers_redact_payload,
    shop_redact_payload,
    shop_resource,
)
from simulator.webhooks import ResultCallback, WebhookSender

__all__ = ["Journal", "SimulatorError", "follow_up", "simulate"]

log = structlog.get_logger("proofstream.simulator")


class SimulatorError(Exception):
    """An action cannot be played (unknown order, no journal); the message says why."""


@dataclass(frozen=True)
class Journal:
    """The orders `simulate` sent, one JSON object a line (shop, order), oldest first."""

    path: Path

    def add(self, shop: str, order: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("ab") as out:
            out.write(orjson.dumps({"shop": shop, "order": order}) + b"\n")

    def find(self, shop: str, order_id: str | None) -> dict[str, Any]:
        """The order `order_id` of `shop` (the newest when None)."""
        if not self.path.exists():
            raise SimulatorError(f"no orders sent yet (no journal at {self.path})")
        found = None
        for line in self.path.read_bytes().splitlines():
            entry = orjson.loads(line)
            if entry["shop"] == shop and (
                order_id is None or str(entry["order"]["id"]) == order_id
            ):
                found = entry["order"]
        if found is None:
            which = f"order {order_id}" if order_id else "any order"
            raise SimulatorError(f"{which} of {shop} is not in the journal {self.path}")
        newest: dict[str, Any] = found
        return newest


def _report(order: dict[str, Any], result: httpx.Response | Exception) -> None:
    if isinstance(result, Exception):
        log.warning("delivery_failed", order=order.get("name"), error=str(result))
    elif result.is_success:
        log.info(
            "delivered", order=order.get("name"), order_id=order["id"], status=result.status_code
        )
    else:
        log.warning("delivery_refused", order=order.get("name"), status=result.status_code)


def _fields(app_config: Path | None) -> dict[str, list[str]]:
    return subscribed_fields(app_config) if app_config and app_config.exists() else {}


async def simulate(
    *,
    endpoint: str,
    secret: str,
    shops: Sequence[str],
    rate: float,
    count: int | None,
    seed: int | None,
    journal: Journal,
    app_config: Path | None,
) -> int:
    """Send `rate` orders/s in all (shared across shops) until `count` each or Ctrl-C."""
    fields = _fields(app_config)

    def noted(shop: str) -> ResultCallback:
        def note(order: dict[str, Any], result: httpx.Response | Exception) -> None:
            _report(order, result)
            if isinstance(result, httpx.Response) and result.is_success:
                journal.add(shop, order)

        return note

    async with httpx.AsyncClient(timeout=10) as client:
        sender = WebhookSender(client=client, endpoint=endpoint, secret=secret, fields=fields)
        # The catalogue first, as a store's products exist before its orders (the worker
        # joins each order with its product: the popup's image and link).
        for shop in shops:
            for product in CATALOGUE:
                body = sender.body("products/update", product_payload(product))
                await sender.deliver_with_retries(topic="products/update", shop=shop, body=body)
        runs = [
            sender.run(
                factory=OrderFactory(seed=None if seed is None else seed + i, shop=shop),
                rate=rate / len(shops),
                count=count,
                on_result=noted(shop),
            )
            for i, shop in enumerate(shops)
        ]
        delivered = sum(await asyncio.gather(*runs))
    log.info("simulation_done", delivered=delivered)
    return 0


async def follow_up(
    action: str,
    *,
    endpoint: str,
    secret: str,
    shop: str,
    order_ids: Sequence[str],
    partial: bool,
    journal: Journal,
    app_config: Path | None,
) -> int:
    """Send one later webhook about `shop` (and its journaled orders); 0 when accepted."""
    topic, payload = _payload(action, shop, order_ids, partial=partial, journal=journal)
    async with httpx.AsyncClient(timeout=10) as client:
        sender = WebhookSender(
            client=client, endpoint=endpoint, secret=secret, fields=_fields(app_config)
        )
        response = await sender.deliver_with_retries(
            topic=topic, shop=shop, body=sender.body(topic, payload)
        )
    log.info("delivered", topic=topic, shop=shop, status=response.status_code)
    return 0 if response.is_success else 1


def _payload(
    action: str, shop: str, order_ids: Sequence[str], *, partial: bool, journal: Journal
) -> tuple[str, dict[str, Any]]:
    if action in ("cancel", "refund"):
        order = journal.find(shop, order_ids[0] if order_ids else None)
        if action == "cancel":
            return "orders/cancelled", cancelled(order)
        first = order["line_items"][0]
        if partial and sum(line["quantity"] for line in order["line_items"]) == 1:
            raise SimulatorError(
                f"order {order['id']} has one unit only: any refund of it is a full refund"
            )
        quantities = {first["id"]: 1} if partial else None
        return "refunds/create", refund(order, quantities=quantities)
    ids = Ids()
    store = Shop.create(shop, ids=ids, now=time.time())
    if action == "uninstall":
        return "app/uninstalled", shop_resource(store)
    if action == "redact-shop":
        return "shop/redact", shop_redact_payload(store)
    orders = [int(o) for o in order_ids] or [int(journal.find(shop, None)["id"])]
    if action == "data-request":
        return "customers/data_request", customers_data_request_payload(
            store, ids=ids, orders_requested=orders
        )
    if action == "redact-customer":
        return "customers/redact", customers_redact_payload(store, ids=ids, orders_to_redact=orders)
    raise SimulatorError(f"unknown action {action!r}")
