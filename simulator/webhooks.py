"""Signs and delivers webhooks the way Shopify does: raw JSON body, HMAC header, paced, retried."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
import orjson

from simulator.fields import IncludeFields, include_fields
from simulator.orders import OrderFactory

__all__ = [
    "DEFAULT_API_VERSION",
    "ORDERS_CREATE",
    "ResultCallback",
    "WebhookSender",
    "headers",
    "sign",
]

DEFAULT_API_VERSION = "2026-10"
ORDERS_CREATE = "orders/create"
USER_AGENT = "Shopify-Captain-Hook"

ResultCallback = Callable[[dict[str, Any], httpx.Response | Exception], None]


def sign(secret: str, body: bytes) -> str:
    """``X-Shopify-Hmac-Sha256``: base64 of HMAC-SHA256(app secret, raw body)."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _utc_z(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    text = moment.astimezone(UTC).isoformat(timespec="microseconds")
    return text.removesuffix("+00:00") + "Z"


def headers(
    *,
    secret: str,
    body: bytes,
    topic: str,
    shop: str,
    api_version: str = DEFAULT_API_VERSION,
    webhook_id: str | None = None,
    event_id: str | None = None,
    triggered_at: datetime | None = None,
) -> dict[str, str]:
    """The headers Shopify sends with a webhook; ids default to fresh uuid4s, time to now.

    A naive ``triggered_at`` is taken as UTC.
    """
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": sign(secret, body),
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-API-Version": api_version,
        "X-Shopify-Webhook-Id": webhook_id or str(uuid4()),
        "X-Shopify-Event-Id": event_id or str(uuid4()),
        "X-Shopify-Triggered-At": _utc_z(triggered_at or datetime.now(UTC)),
    }


class WebhookSender:
    """POSTs signed webhooks to one endpoint; ``run`` streams generated orders at a steady rate.

    A delivery fails on a transport error or a non-2xx status; it is then retried once per
    entry of ``retry_delays`` (seconds to wait first), with the same body, webhook id, event id
    and trigger time, as Shopify's redeliveries are. ``fields`` (topic → field paths, from the
    app's ``shopify.app.toml``) trims the payloads `body` builds, as ``include_fields`` does.
    """

    def __init__(
        self,
        *,
        client: httpx.AsyncClient,
        endpoint: str,
        secret: str,
        retry_delays: Sequence[float] = (1.0, 2.0),
        api_version: str = DEFAULT_API_VERSION,
        fields: IncludeFields | None = None,
    ) -> None:
        self._client = client
        self._endpoint = endpoint
        self._secret = secret
        self._retry_delays = tuple(retry_delays)
        self._api_version = api_version
        self._fields = fields or {}

    def body(self, topic: str, payload: dict[str, Any]) -> bytes:
        """The bytes Shopify POSTs for ``payload`` on ``topic`` (compact JSON, ids as JSON
        integers), trimmed to the subscription's ``include_fields``."""
        paths = self._fields.get(topic)
        return orjson.dumps(include_fields(payload, paths) if paths else payload)

    async def deliver(
        self,
        *,
        topic: str,
        shop: str,
        body: bytes,
        api_version: str | None = None,
        webhook_id: str | None = None,
        event_id: str | None = None,
        triggered_at: datetime | None = None,
    ) -> httpx.Response:
        """One POST of exactly ``body``; returns any response, raises ``httpx.HTTPError``."""
        return await self._client.post(
            self._endpoint,
            content=body,
            headers=headers(
                secret=self._secret,
                body=body,
                topic=topic,
                shop=shop,
                api_version=api_version or self._api_version,
                webhook_id=webhook_id,
                event_id=event_id,
                triggered_at=triggered_at,
            ),
        )

    async def run(
        self,
        *,
        factory: OrderFactory,
        rate: float,
        count: int | None = None,
        on_result: ResultCallback | None = None,
    ) -> int:
        """Send ``orders/create`` for new orders of ``factory.shop`` at ``rate`` per second.

        Sends start on an even schedule (never bursting to catch up) and run concurrently, so a
        slow or failing endpoint does not slow the stream. Stops after ``count`` orders (never
        when None) once their deliveries, retries included, have finished. ``on_result`` gets
        each order once with its final outcome: the 2xx response, or the last failing response
        or exception. Returns how many orders were delivered with a 2xx.
        """
        if not rate > 0:
            raise ValueError(f"rate must be positive, got {rate!r}")
        if count is not None and count < 0:
            raise ValueError(f"count must be >= 0, got {count!r}")
        loop = asyncio.get_running_loop()
        interval = 1.0 / rate
        pending: set[asyncio.Task[bool]] = set()
        delivered = 0
        started = 0
        start = loop.time()
        try:
            while count is None or started < count:
                wait = start + started * interval - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                elif wait < -interval:  # fell behind (busy loop): restart the schedule from now
                    start = loop.time() - started * interval
                order = factory.order()
                pending.add(asyncio.create_task(self._send_order(factory, order, on_result)))
                started += 1
                for task in [task for task in pending if task.done()]:
                    pending.discard(task)
                    delivered += task.result()
            for task in list(pending):
                delivered += await task
                pending.discard(task)
            return delivered
        finally:
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)

    async def deliver_with_retries(
        self,
        *,
        topic: str,
        shop: str,
        body: bytes,
        delays: Sequence[float] | None = None,
        event_id: str | None = None,
        triggered_at: datetime | None = None,
    ) -> httpx.Response:
        """`deliver` until a 2xx, once more after each of ``delays`` seconds (default: the
        sender's ``retry_delays``) on another status or a transport error, with the same body,
        webhook id, event id and trigger time (fresh ids and now unless given), as Shopify
        redelivers one event. Returns the last response; raises the last transport error if no
        attempt got one."""
        webhook_id, event_id = str(uuid4()), event_id or str(uuid4())
        triggered_at = triggered_at or datetime.now(UTC)
        outcome: httpx.Response | httpx.HTTPError | None = None
        for delay in (None, *(self._retry_delays if delays is None else delays)):
            if delay is not None:
                await asyncio.sleep(delay)
            try:
                outcome = await self.deliver(
                    topic=topic,
                    shop=shop,
                    body=body,
                    webhook_id=webhook_id,
                    event_id=event_id,
                    triggered_at=triggered_at,
                )
            except httpx.HTTPError as exc:
                outcome = exc
                continue
            if outcome.is_success:
                break
        if isinstance(outcome, httpx.HTTPError):
            raise outcome
        assert outcome is not None
        return outcome

    async def _send_order(
        self,
        factory: OrderFactory,
        order: dict[str, Any],
        on_result: ResultCallback | None,
    ) -> bool:
        outcome: httpx.Response | Exception
        try:
            outcome = await self.deliver_with_retries(
                topic=ORDERS_CREATE, shop=factory.shop, body=self.body(ORDERS_CREATE, order)
            )
        except httpx.HTTPError as exc:
            outcome = exc
        if on_result is not None:
            on_result(order, outcome)
        return isinstance(outcome, httpx.Response) and outcome.is_success
