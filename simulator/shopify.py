"""The simulated Shopify's state and behaviour: `ShopifySimulator` holds the shops, OAuth,
the GraphQL Admin API's answers, test hooks, session tokens, and webhook deliveries signed
like Shopify's (`simulator.webhooks`). `simulator.server` serves it over HTTP.
"""

from __future__ import annotations

import http
import re
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from simulator.admin_api import QUERY_COST, Executor, GraphQLError, plan
from simulator.admin_resolvers import ShopView
from simulator.fields import IncludeFields
from simulator.oauth import OAuthServer
from simulator.state import (
    Bucket,
    Clock,
    Ids,
    ScriptTag,
    Shop,
    customers_data_request_payload,
    customers_redact_payload,
    is_shop_domain,
    shop_redact_payload,
    shop_resource,
    topic_enum,
    topic_name,
)
from simulator.webhooks import DEFAULT_API_VERSION, WebhookSender

__all__ = ["DEFAULT_SCOPES", "INVALID_TOKEN_ERROR", "ShopifySimulator"]

DEFAULT_SCOPES = "read_orders,read_products,read_themes"
INVALID_TOKEN_ERROR = "[API] Invalid API key or access token (unrecognized login or wrong password)"  # noqa: S105
_API_VERSION = re.compile(r"^(\d{4}-(01|04|07|10)|unstable)$")
_RATE_LIMIT_DOC = "https://shopify.dev/api/usage/rate-limits"


class ShopifySimulator:
    """Everything the simulated Shopify knows, and the hooks tests use.

    Shops are created on first use (any ``*.myshopify.com``) or with `add_shop`. Records:
    ``token_requests`` (one dict per token endpoint call: ``shop``, ``grant`` — one of
    ``authorization_code``, ``token_exchange``, ``refresh_token`` — ``grant_type``,
    ``subject_token_type``, ``expiring``, ``status``, ``error``, ``at``), ``graphql_calls``
    (``shop``, ``query``, ``variables``, ``token``) and ``webhook_deliveries``. ``fields``
    (topic → field paths) trims deliveries as the app's ``include_fields`` do.
    """

    def __init__(
        self,
        *,
        api_key: str,
        api_secret: str,
        app_handle: str = "proofstream",
        embed_block_handle: str = "app-embed",
        clock: Clock = time.time,
        access_token_ttl_s: int = 3600,
        refresh_token_ttl_s: int = 90 * 24 * 3600,
        scopes: str = DEFAULT_SCOPES,
        refresh_retry_window_s: float = 60.0,
        api_version: str = DEFAULT_API_VERSION,
        fields: IncludeFields | None = None,
    ) -> None:
        self.api_key = api_key
        self.fields = fields
        self.api_secret = api_secret
        self.app_handle = app_handle
        self.embed_block_handle = embed_block_handle
        self.clock = clock
        self.api_version = api_version
        self.oauth = OAuthServer(
            api_key=api_key,
            api_secret=api_secret,
            clock=clock,
            scopes=scopes,
            access_token_ttl_s=access_token_ttl_s,
            refresh_token_ttl_s=refresh_token_ttl_s,
            refresh_retry_window_s=refresh_retry_window_s,
        )
        self.ids = Ids()
        self.shops: dict[str, Shop] = {}
        # The theme app extension's UUID: the same in every shop, like a deployed extension.
        self.extension_uuid = str(uuid.uuid4())
        # Shopify refuses a second subscription with the same topic and address.
        self.reject_duplicate_webhooks = True
        self.graphql_calls: list[dict[str, Any]] = []
        self.webhook_deliveries: list[dict[str, Any]] = []
        self._buckets: dict[str, Bucket] = {}
        self._failures: dict[str, list[int]] = {}

    @property
    def token_requests(self) -> list[dict[str, Any]]:
        return self.oauth.token_requests

    @property
    def block_type(self) -> str:
        """The app embed's ``type`` in settings_data.json."""
        handles = f"{self.app_handle}/blocks/{self.embed_block_handle}"
        return f"shopify://apps/{handles}/{self.extension_uuid}"

    # --- shops ----------------------------------------------------------------------------------

    def shop(self, shop: str) -> Shop:
        """The shop, created on first use."""
        if not is_shop_domain(shop):
            raise ValueError(f"not a shop domain: {shop!r}")
        found = self.shops.get(shop)
        if found is None:
            found = self.shops[shop] = Shop.create(shop, ids=self.ids, now=self.clock())
        return found

    def add_shop(
        self, shop: str, *, embed_enabled: bool | None = False, legacy_script_tags: int = 0
    ) -> Shop:
        """A shop whose app embed is on (True), added but off (False) or never added (None),
        with ``legacy_script_tags`` script tags the app created before theme app extensions."""
        found = self.shop(shop)
        found.embed = embed_enabled
        for number in range(legacy_script_tags):
            self.add_script_tag(shop, f"https://cdn.{self.app_handle}.example/widget.js?v={number}")
        return found

    def set_embed(self, shop: str, enabled: bool | None) -> None:
        """The merchant switches the app embed on or off in the theme editor (None: never added)."""
        self.shop(shop).embed = enabled

    def add_script_tag(self, shop: str, src: str) -> str:
        """A script tag of this app in ``shop``; returns its GraphQL id."""
        tag = ScriptTag(id=self.ids.next("ScriptTag"), src=src, created_at=self.clock() - 86_400)
        self.shop(shop).script_tags.append(tag)
        return f"gid://shopify/ScriptTag/{tag.id}"

    def uninstall(self, shop: str) -> dict[str, Any]:
        """The merchant uninstalls the app: its tokens stop working and its webhook
        subscriptions, script tags and app embed go. Returns the ``app/uninstalled`` payload."""
        found = self.shop(shop)
        self.oauth.revoke_shop(shop)
        found.webhooks.clear()
        found.script_tags.clear()
        found.embed = None
        return self.app_uninstalled_payload(shop)

    # --- OAuth and session tokens ---------------------------------------------------------------

    def authorize_redirect(self, shop: str, **options: Any) -> str:
        """Where the merchant's approval on the authorize page sends the browser; ``options``
        are `OAuthServer.authorize_redirect`'s (``redirect_uri``, ``state``, ``scope``, …)."""
        self.shop(shop)
        return self.oauth.authorize_redirect(shop, **options)

    def session_token(self, shop: str, **claims: Any) -> str:
        """What App Bridge's ``shopify.idToken()`` returns in ``shop``'s admin; ``claims`` are
        `OAuthServer.session_token`'s (``user_id``, ``ttl_s``, ``secret``, ``aud``)."""
        self.shop(shop)
        return self.oauth.session_token(shop, **claims)

    def install(self, shop: str, *, expiring: bool = True) -> dict[str, Any]:
        """Install without the HTTP dance: the token endpoint's answer for an offline token."""
        self.shop(shop)
        return self.oauth.issue(shop, expiring=expiring)

    def allow_redirect_uris(self, uris: Sequence[str] | None) -> None:
        """Only these redirect URIs pass the authorize page (None: any), like the app's config."""
        self.oauth.allowed_redirect_uris = None if uris is None else list(uris)

    # --- the Admin API --------------------------------------------------------------------------

    def fail_next_graphql(self, shop: str, status: int = 503, times: int = 1) -> None:
        """The next ``times`` GraphQL calls for ``shop`` answer ``status`` (before any auth)."""
        self._failures.setdefault(shop, []).extend([status] * times)

    def throttle(self, shop: str) -> None:
        """Empty ``shop``'s cost bucket: calls are throttled until it refills (100 points/s)."""
        bucket = self._bucket(shop)
        bucket.available = 0.0

    def throttle_status(self, shop: str) -> dict[str, float | int]:
        return self._bucket(shop).status()

    def _bucket(self, shop: str) -> Bucket:
        now = self.clock()
        bucket = self._buckets.get(shop)
        if bucket is None:
            bucket = self._buckets[shop] = Bucket(updated_at=now)
        bucket.refill(now)
        return bucket

    def graphql(
        self, shop: str, version: str, token: str | None, body: bytes, content_type: str
    ) -> tuple[int, Any]:
        """One ``POST /admin/api/{version}/graphql.json``: (status, JSON body)."""
        query, variables, operation_name = _graphql_request(body, content_type)
        self.graphql_calls.append(
            {"shop": shop, "query": query, "variables": variables, "token": token}
        )
        failures = self._failures.get(shop)
        if failures:
            status = failures.pop(0)
            return status, {"errors": http.HTTPStatus(status).phrase}
        access = self.oauth.authenticate(token, shop)
        if access is None:
            return 401, {"errors": INVALID_TOKEN_ERROR}
        if not _API_VERSION.match(version):
            return 404, {"errors": "Not Found"}
        if query is None:
            return 400, {"errors": {"query": "Required parameter missing or invalid"}}
        view = ShopView(
            shop=self.shop(shop),
            scopes=frozenset(access.scope.split(",")),
            ids=self.ids,
            clock=self.clock,
            api_version=version,
            block_type=self.block_type,
            reject_duplicate_webhooks=self.reject_duplicate_webhooks,
        )
        try:
            operation, fragments, values = plan(query, variables, operation_name)
            executor = Executor(view=view, variables=values, fragments=fragments)
            executor.validate(operation)
        except GraphQLError as exc:
            return 200, {"errors": [exc.entry]}
        bucket = self._bucket(shop)
        cost: dict[str, Any] = {"requestedQueryCost": QUERY_COST, "actualQueryCost": None}
        if bucket.available < QUERY_COST:
            throttled = {"code": "THROTTLED", "documentation": _RATE_LIMIT_DOC}
            cost["throttleStatus"] = bucket.status()
            errors = [{"message": "Throttled", "extensions": throttled}]
            return 200, {"errors": errors, "extensions": {"cost": cost}}
        bucket.available -= QUERY_COST
        result = executor.execute(operation)
        cost |= {"actualQueryCost": QUERY_COST, "throttleStatus": bucket.status()}
        return 200, result | {"extensions": {"cost": cost}}

    # --- webhooks -------------------------------------------------------------------------------

    def _sender(self, endpoint: str, client: httpx.AsyncClient) -> WebhookSender:
        return _RecordingSender(
            self.webhook_deliveries,
            client=client,
            endpoint=endpoint,
            secret=self.api_secret,
            api_version=self.api_version,
            fields=self.fields,
        )

    async def deliver_webhook(
        self,
        *,
        shop: str,
        topic: str,
        payload: dict[str, Any],
        endpoint: str,
        client: httpx.AsyncClient,
        event_id: str | None = None,
        webhook_id: str | None = None,
        triggered_at: datetime | None = None,
    ) -> httpx.Response:
        """One POST of ``payload`` to ``endpoint``, signed with the app secret, with Shopify's
        headers (fresh ids unless given); returns any response, raises ``httpx.HTTPError``."""
        sender = self._sender(endpoint, client)
        return await sender.deliver(
            topic=_header_topic(topic),
            shop=shop,
            body=sender.body(_header_topic(topic), payload),
            webhook_id=webhook_id,
            event_id=event_id,
            triggered_at=triggered_at,
        )

    async def deliver_with_retries(
        self,
        *,
        shop: str,
        topic: str,
        payload: dict[str, Any],
        endpoint: str,
        client: httpx.AsyncClient,
        event_id: str | None = None,
        delays: Sequence[float] = (1.0, 2.0, 4.0),
    ) -> httpx.Response:
        """Deliver until a 2xx, retrying after each of ``delays`` seconds on another status or a
        transport error, with the same body, webhook id, event id and trigger time (Shopify
        redelivers the same event; see `WebhookSender.deliver_with_retries`). Returns the last
        response; raises the last transport error if no attempt got one."""
        sender = self._sender(endpoint, client)
        return await sender.deliver_with_retries(
            topic=_header_topic(topic),
            shop=shop,
            body=sender.body(_header_topic(topic), payload),
            delays=delays,
            event_id=event_id,
            triggered_at=datetime.fromtimestamp(self.clock(), UTC),
        )

    async def emit(
        self,
        shop: str,
        topic: str,
        payload: dict[str, Any],
        *,
        client: httpx.AsyncClient,
        delays: Sequence[float] = (),
    ) -> list[httpx.Response]:
        """Deliver ``payload`` to every subscription of ``shop`` on ``topic`` (the ones the
        app created with ``webhookSubscriptionCreate``)."""
        enum = topic if topic.isupper() else topic_enum(topic)
        uris = [sub.uri for sub in self.shop(shop).webhooks if sub.topic == enum]
        return [
            await self.deliver_with_retries(
                shop=shop, topic=enum, payload=payload, endpoint=uri, client=client, delays=delays
            )
            for uri in uris
        ]

    # --- webhook payloads -----------------------------------------------------------------------

    def app_uninstalled_payload(self, shop: str) -> dict[str, Any]:
        """``app/uninstalled``: the REST Shop resource."""
        return shop_resource(self.shop(shop))

    def customers_data_request_payload(self, shop: str, **fields: Any) -> dict[str, Any]:
        """``customers/data_request``; ``fields``: customer_id, email, phone,
        orders_requested, data_request_id."""
        return customers_data_request_payload(self.shop(shop), ids=self.ids, **fields)

    def customers_redact_payload(self, shop: str, **fields: Any) -> dict[str, Any]:
        """``customers/redact``; ``fields``: customer_id, email, phone, orders_to_redact."""
        return customers_redact_payload(self.shop(shop), ids=self.ids, **fields)

    def shop_redact_payload(self, shop: str) -> dict[str, Any]:
        """``shop/redact``."""
        return shop_redact_payload(self.shop(shop))


def _header_topic(topic: str) -> str:
    """``APP_UNINSTALLED`` or ``app/uninstalled`` -> ``app/uninstalled``."""
    return topic_name(topic) if topic.isupper() else topic


class _RecordingSender(WebhookSender):
    """A `WebhookSender` that appends each attempt to ``deliveries`` (``shop``, ``topic``,
    ``endpoint``, ``webhook_id``, and ``status``: None until answered)."""

    def __init__(self, deliveries: list[dict[str, Any]], **options: Any) -> None:
        super().__init__(**options)
        self._deliveries = deliveries

    async def deliver(
        self, *, topic: str, shop: str, webhook_id: str | None = None, **options: Any
    ) -> httpx.Response:
        webhook_id = webhook_id or str(uuid.uuid4())
        record: dict[str, Any] = {
            "shop": shop,
            "topic": topic,
            "endpoint": self._endpoint,
            "webhook_id": webhook_id,
            "status": None,
        }
        self._deliveries.append(record)
        response = await super().deliver(topic=topic, shop=shop, webhook_id=webhook_id, **options)
        record["status"] = response.status_code
        return response


def _graphql_request(
    body: bytes, content_type: str
) -> tuple[str | None, dict[str, Any] | None, str | None]:
    if content_type.startswith("application/graphql"):
        return body.decode("utf-8", "replace"), None, None
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None, None, None
    if not isinstance(document, dict) or not isinstance(document.get("query"), str):
        return None, None, None
    variables = document.get("variables")
    name = document.get("operationName")
    return (
        document["query"],
        variables if isinstance(variables, dict) else None,
        name if isinstance(name, str) else None,
    )
