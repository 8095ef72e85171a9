"""The GraphQL side of the Admin API, for the few operations the app uses.

A check of the whole operation (parsed by `simulator.graphql_parser`) against a slice of
Shopify's schema before anything runs (unknown fields are errors, as on Shopify), the resolvers
(`ShopView`) and the projection of what they return onto the selections.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from simulator.catalogue import CATALOGUE, Product, image_url
from simulator.graphql_parser import (
    Field,
    Fragment,
    FragmentSpread,
    GraphQLError,
    Operation,
    Selection,
    plan,
    resolve,
)
from simulator.state import (
    API_TOPICS,
    Clock,
    FieldError,
    Ids,
    Shop,
    WebhookSubscription,
    connection,
    gid,
    graphql_time,
    payload,
    script_tag_node,
    settings_data_json,
    theme_file_node,
    topic_enum,
    user_error,
    webhook_node,
)

__all__ = ["QUERY_COST", "Executor", "GraphQLError", "Operation", "ShopView", "plan"]

QUERY_COST = 10  # every operation costs this much, queries and mutations alike

# type -> field -> the object type it returns (None: a scalar, an enum or a list of those).
_CONNECTION = {"nodes": "{}", "edges": "{}Edge", "pageInfo": "PageInfo"}
_TYPES: dict[str, dict[str, str | None]] = {
    "QueryRoot": {
        "shop": "Shop",
        "themes": "OnlineStoreThemeConnection",
        "scriptTags": "ScriptTagConnection",
        "webhookSubscriptions": "WebhookSubscriptionConnection",
        "currentAppInstallation": "AppInstallation",
        "products": "ProductConnection",
    },
    "Mutation": {
        "scriptTagDelete": "ScriptTagDeletePayload",
        "scriptTagCreate": "ScriptTagCreatePayload",
        "webhookSubscriptionCreate": "WebhookSubscriptionCreatePayload",
        "metafieldsSet": "MetafieldsSetPayload",
    },
    "AppInstallation": {"id": None},
    "Product": dict.fromkeys(("id", "legacyResourceId", "handle", "title", "status", "updatedAt"))
    | {"featuredImage": "Image"},
    "Image": dict.fromkeys(("id", "url", "altText", "width", "height")),
    "Metafield": dict.fromkeys(("id", "namespace", "key", "value", "type")),
    "MetafieldsSetPayload": {"metafields": "Metafield", "userErrors": "UserError"},
    "Shop": dict.fromkeys(
        ("id", "name", "email", "contactEmail", "myshopifyDomain", "currencyCode", "url")
    )
    | {"ianaTimezone": None, "primaryDomain": "Domain", "plan": "ShopPlan"},
    "Domain": dict.fromkeys(("id", "host", "url", "sslEnabled")),
    "ShopPlan": dict.fromkeys(("displayName", "partnerDevelopment", "shopifyPlus")),
    "PageInfo": dict.fromkeys(("hasNextPage", "hasPreviousPage", "startCursor", "endCursor")),
    "OnlineStoreTheme": dict.fromkeys(
        ("id", "name", "role", "prefix", "processing", "processingFailed", "themeStoreId")
    )
    | {"createdAt": None, "updatedAt": None, "files": "OnlineStoreThemeFileConnection"},
    "OnlineStoreThemeFile": dict.fromkeys(
        ("filename", "size", "contentType", "checksumMd5", "createdAt", "updatedAt")
    )
    | {"body": "OnlineStoreThemeFileBody"},
    "OnlineStoreThemeFileBodyText": {"content": None},
    "OnlineStoreThemeFileBodyBase64": {"contentBase64": None},
    "OnlineStoreThemeFileBodyUrl": {"url": None},
    "OnlineStoreThemeFileReadResult": {"code": None, "filename": None},
    "ScriptTag": dict.fromkeys(
        ("id", "src", "displayScope", "cache", "createdAt", "updatedAt", "legacyResourceId")
    ),
    "WebhookSubscription": dict.fromkeys(
        ("id", "topic", "uri", "callbackUrl", "format", "includeFields", "filter")
    )
    | {"createdAt": None, "updatedAt": None, "legacyResourceId": None}
    | {"apiVersion": "ApiVersion", "endpoint": "WebhookSubscriptionEndpoint"},
    "WebhookHttpEndpoint": {"callbackUrl": None},
    "ApiVersion": dict.fromkeys(("handle", "displayName", "supported")),
    "UserError": {"field": None, "message": None},
    "ScriptTagDeletePayload": {"deletedScriptTagId": None, "userErrors": "UserError"},
    "ScriptTagCreatePayload": {"scriptTag": "ScriptTag", "userErrors": "UserError"},
    "WebhookSubscriptionCreatePayload": {
        "webhookSubscription": "WebhookSubscription",
        "userErrors": "UserError",
    },
}
for _node in (
    "OnlineStoreTheme",
    "OnlineStoreThemeFile",
    "ScriptTag",
    "WebhookSubscription",
    "Product",
):
    _TYPES[f"{_node}Connection"] = {key: kind.format(_node) for key, kind in _CONNECTION.items()}
    _TYPES[f"{_node}Edge"] = {"node": _node, "cursor": None}
_TYPES["OnlineStoreThemeFileConnection"]["userErrors"] = "OnlineStoreThemeFileReadResult"
_UNIONS: dict[str, tuple[str, ...]] = {
    "OnlineStoreThemeFileBody": (
        "OnlineStoreThemeFileBodyText",
        "OnlineStoreThemeFileBodyBase64",
        "OnlineStoreThemeFileBodyUrl",
    ),
    "WebhookSubscriptionEndpoint": ("WebhookHttpEndpoint",),
}


def _root(operation: Operation) -> str:
    return "Mutation" if operation.kind == "mutation" else "QueryRoot"


@dataclass
class Executor:
    """Runs one parsed operation against one shop as one token sees it."""

    view: ShopView
    variables: dict[str, Any]
    fragments: dict[str, Fragment]
    errors: list[dict[str, Any]] = field(default_factory=list)

    # --- static check ---------------------------------------------------------------------------

    def check(self, selections: list[Selection], type_name: str, path: list[str]) -> None:
        for sel in selections:
            if not isinstance(sel, Field):
                if isinstance(sel, FragmentSpread):
                    fragment = self.fragments.get(sel.name)
                    if fragment is None:
                        raise GraphQLError(
                            f"Fragment {sel.name} was used, but not defined", at=sel.at
                        )
                    condition, inner = fragment.type_condition, fragment.selections
                else:
                    condition, inner = sel.type_condition or type_name, sel.selections
                if condition not in _TYPES and condition not in _UNIONS:
                    raise GraphQLError(
                        f"No such type {condition}, so it can't be a fragment condition",
                        at=sel.at,
                    )
                if condition != type_name and condition not in _UNIONS.get(type_name, ()):
                    raise GraphQLError(
                        f"Fragment on {condition} can't be spread inside {type_name}", at=sel.at
                    )
                self.check(inner, condition, path)
                continue
            if sel.name == "__typename":
                continue
            here = [*path, sel.key]
            if type_name in _UNIONS:
                raise GraphQLError(
                    f"Selections can't be made directly on unions (see selections on {type_name})",
                    at=sel.at,
                    path=here,
                    extensions={"code": "selectionMismatch", "nodeName": type_name},
                )
            fields = _TYPES[type_name]
            if sel.name not in fields:
                raise GraphQLError(
                    f"Field '{sel.name}' doesn't exist on type '{type_name}'",
                    at=sel.at,
                    path=here,
                    extensions={
                        "code": "undefinedField",
                        "typeName": type_name,
                        "fieldName": sel.name,
                    },
                )
            target = fields[sel.name]
            if target is None and sel.selections:
                raise GraphQLError(
                    f"Selections can't be made on scalars (field '{sel.name}' has selections)",
                    at=sel.at,
                    path=here,
                    extensions={"code": "selectionMismatch", "nodeName": f"field '{sel.name}'"},
                )
            if target is not None and not sel.selections:
                raise GraphQLError(
                    f"Field must have selections (field '{sel.name}' returns {target} but has "
                    f"no selections. Did you mean '{sel.name} {{ ... }}'?)",
                    at=sel.at,
                    path=here,
                    extensions={"code": "selectionMismatch", "nodeName": f"field '{sel.name}'"},
                )
            if target is not None:
                self.check(sel.selections, target, here)

    def _selected(self, selections: list[Selection], type_name: str) -> Iterator[Field]:
        """The fields that apply to an object of ``type_name``, fragments flattened."""
        for sel in selections:
            if not sel.included(self.variables):
                continue
            if isinstance(sel, Field):
                yield sel
                continue
            if isinstance(sel, FragmentSpread):  # defined: `check` made sure
                fragment = self.fragments[sel.name]
                condition, inner = fragment.type_condition, fragment.selections
            else:
                condition, inner = sel.type_condition or type_name, sel.selections
            if condition == type_name:
                yield from self._selected(inner, type_name)

    # --- execution ------------------------------------------------------------------------------

    def validate(self, operation: Operation) -> None:
        """`GraphQLError` unless every selection exists in the schema (nothing runs before)."""
        path = [f"{operation.kind} {operation.name or ''}".strip()]
        self.check(operation.selections, _root(operation), path)

    def execute(self, operation: Operation) -> dict[str, Any]:
        """The response body: ``data``, and ``errors`` if a field failed."""
        data = self.run(operation.selections, _root(operation))
        return {"data": data, "errors": self.errors} if self.errors else {"data": data}

    def run(self, selections: list[Selection], root: str) -> dict[str, Any]:
        view = self.view
        resolvers = view.query_root() if root == "QueryRoot" else view.mutation_root()
        data: dict[str, Any] = self._project({"__typename": root, **resolvers}, selections, [])
        return data

    def _project(self, value: Any, selections: list[Selection], path: list[Any]) -> Any:
        if value is None or not selections:
            return value
        if isinstance(value, list):
            return [self._project(item, selections, [*path, i]) for i, item in enumerate(value)]
        out: dict[str, Any] = {}
        type_name = value["__typename"]
        for sel in self._selected(selections, type_name):
            if sel.name == "__typename":
                out[sel.key] = type_name
                continue
            raw = value[sel.name]
            try:
                if callable(raw):
                    raw = raw({name: resolve(arg, self.variables) for name, arg in sel.args})
                out[sel.key] = self._project(raw, sel.selections, [*path, sel.key])
            except FieldError as exc:
                out[sel.key] = None
                entry = GraphQLError(str(exc), at=sel.at, path=[*path, sel.key]).entry
                self.errors.append(
                    entry | ({"extensions": exc.extensions} if exc.extensions else {})
                )
        return out


# --- resolvers ------------------------------------------------------------------------------

_ACCESS_DOC = "https://shopify.dev/api/usage/access-scopes"
# Root field -> the access scopes that allow it (any one of them).
_REQUIRED_SCOPES = {
    "themes": ("read_themes", "write_themes"),
    "scriptTags": ("read_script_tags", "write_script_tags"),
    "scriptTagDelete": ("write_script_tags",),
    "scriptTagCreate": ("write_script_tags",),
    "products": ("read_products", "write_products"),
}


@dataclass
class ShopView:
    """The resolvers of the operations the app uses: one shop, as one app's token sees it."""

    shop: Shop
    scopes: frozenset[str]
    ids: Ids
    clock: Clock
    api_version: str
    block_type: str
    reject_duplicate_webhooks: bool

    def _authorize(self, root_field: str) -> None:
        allowed = _REQUIRED_SCOPES.get(root_field, ())
        if allowed and not self.scopes.intersection(allowed):
            need = f"`{allowed[0]}` access scope."
            raise FieldError(
                f"Access denied for {root_field} field. Required access: {need}",
                code="ACCESS_DENIED",
                documentation=_ACCESS_DOC,
                requiredAccess=need,
            )

    def query_root(self) -> dict[str, Any]:
        shop = self.shop

        def shop_field(args: dict[str, Any]) -> dict[str, Any]:
            url = f"https://{shop.domain}"
            return {
                "__typename": "Shop",
                "id": gid("Shop", shop.id),
                "name": shop.name,
                "email": shop.email,
                "contactEmail": shop.email,
                "myshopifyDomain": shop.domain,
                "url": url,
                "currencyCode": shop.currency,
                "ianaTimezone": "America/New_York",
                "primaryDomain": {
                    "__typename": "Domain",
                    "id": gid("Domain", shop.id + 1),
                    "host": shop.domain,
                    "url": url,
                    "sslEnabled": True,
                },
                "plan": {
                    "__typename": "ShopPlan",
                    "displayName": "Basic",
                    "partnerDevelopment": False,
                    "shopifyPlus": False,
                },
            }

        def themes(args: dict[str, Any]) -> dict[str, Any]:
            self._authorize("themes")
            roles = args.get("roles")
            chosen = [t for t in shop.themes if roles is None or t.role in roles]
            return connection("OnlineStoreTheme", [self._theme(t.id) for t in chosen], args)

        def app_installation(args: dict[str, Any]) -> dict[str, Any]:
            return {"__typename": "AppInstallation", "id": gid("AppInstallation", shop.id)}

        def script_tags(args: dict[str, Any]) -> dict[str, Any]:
            self._authorize("scriptTags")
            tags = [t for t in shop.script_tags if args.get("src") in (None, t.src)]
            return connection("ScriptTag", [script_tag_node(t) for t in tags], args)

        def webhooks(args: dict[str, Any]) -> dict[str, Any]:
            topics, uri = args.get("topics"), args.get("uri") or args.get("callbackUrl")
            subs = [
                s
                for s in shop.webhooks
                if (topics is None or s.topic in topics) and uri in (None, s.uri)
            ]
            return connection("WebhookSubscription", [webhook_node(s) for s in subs], args)

        def products(args: dict[str, Any]) -> dict[str, Any]:
            # The shop's catalogue, every product active (`query` filters are not applied).
            self._authorize("products")
            return connection("Product", [product_node(p) for p in CATALOGUE], args)

        return {
            "shop": shop_field,
            "products": products,
            "themes": themes,
            "scriptTags": script_tags,
            "webhookSubscriptions": webhooks,
            "currentAppInstallation": app_installation,
        }

    def _theme(self, theme_id: int) -> dict[str, Any]:
        shop = self.shop
        theme = next(t for t in shop.themes if t.id == theme_id)
        settings = settings_data_json(shop, block_type=self.block_type)
        if theme.role != "MAIN":  # the embed lives in the published theme only
            settings = settings_data_json(
                Shop(shop.domain, shop.id, shop.name, shop.email, shop.created_at),
                block_type=self.block_type,
            )
        contents = {
            "config/settings_data.json": settings,
            "layout/theme.liquid": "<!doctype html>\n<html>{{ content_for_header }}\n"
            "<body>{{ content_for_layout }}</body></html>\n",
            "templates/index.json": '{"sections": {}, "order": []}\n',
        }
        stamp = graphql_time(theme.created_at)

        def files(args: dict[str, Any]) -> dict[str, Any]:
            patterns = args.get("filenames")
            names = [
                name
                for name in contents
                if patterns is None or any(fnmatch.fnmatchcase(name, p) for p in patterns)
            ]
            nodes = [theme_file_node(name, contents[name], stamp) for name in names]
            return connection("OnlineStoreThemeFile", nodes, args) | {"userErrors": []}

        return {
            "__typename": "OnlineStoreTheme",
            "id": gid("OnlineStoreTheme", theme.id),
            "name": theme.name,
            "role": theme.role,
            "prefix": f"/t/{theme.id % 1000}",
            "processing": False,
            "processingFailed": False,
            "themeStoreId": 887,
            "createdAt": stamp,
            "updatedAt": stamp,
            "files": files,
        }

    def mutation_root(self) -> dict[str, Any]:
        shop = self.shop

        def script_tag_delete(args: dict[str, Any]) -> dict[str, Any]:
            self._authorize("scriptTagDelete")
            wanted = str(args.get("id", ""))
            tag = next((t for t in shop.script_tags if gid("ScriptTag", t.id) == wanted), None)
            if tag is None:
                errors = [user_error(["id"], "Script tag does not exist")]
                return payload("ScriptTagDelete", deletedScriptTagId=None, userErrors=errors)
            shop.script_tags.remove(tag)
            return payload("ScriptTagDelete", deletedScriptTagId=wanted, userErrors=[])

        def metafields_set(args: dict[str, Any]) -> dict[str, Any]:
            # Only the app installation's own metafields, as the app embed reads them.
            owner = gid("AppInstallation", shop.id)
            written, errors = [], []
            for i, item in enumerate(args.get("metafields") or []):
                if item.get("ownerId") != owner:
                    errors.append(user_error(["metafields", str(i), "ownerId"], "Owner not found"))
                    continue
                namespace, key = str(item.get("namespace")), str(item.get("key"))
                shop.app_metafields[(namespace, key)] = str(item.get("value"))
                written.append(
                    {
                        "__typename": "Metafield",
                        "id": gid("Metafield", self.ids.next("Metafield")),
                        "namespace": namespace,
                        "key": key,
                        "value": str(item.get("value")),
                        "type": str(item.get("type")),
                    }
                )
            if errors:
                written = []
            return payload("MetafieldsSet", metafields=written, userErrors=errors)

        def script_tag_create(args: dict[str, Any]) -> dict[str, Any]:
            self._authorize("scriptTagCreate")
            message = (
                "Script tags can no longer be created or updated (since October 1, 2026). "
                "Use a theme app extension instead."
            )
            errors = [user_error(["input"], message)]
            return payload("ScriptTagCreate", scriptTag=None, userErrors=errors)

        def webhook_create(args: dict[str, Any]) -> dict[str, Any]:
            topic = str(args.get("topic", ""))
            if topic not in {topic_enum(t) for t in API_TOPICS}:
                raise FieldError(
                    f"Argument 'topic' on Field 'webhookSubscriptionCreate' has an invalid value "
                    f"({topic}). Expected type 'WebhookSubscriptionTopic!'.",
                    code="argumentLiteralsIncompatible",
                )
            spec = args.get("webhookSubscription") or {}
            uri = str(spec.get("uri") or spec.get("callbackUrl") or "")
            where = ["webhookSubscription", "uri"]
            problem = None
            if not uri:
                problem = "Address can't be blank"
            elif not re.match(r"^(https?://[^/\s]+|pubsub://|arn:aws:events:)", uri):
                problem = "Address is invalid"
            elif self.reject_duplicate_webhooks and any(
                s.topic == topic and s.uri == uri for s in shop.webhooks
            ):
                problem = "Address for this topic has already been taken"
            if problem is not None:
                errors = [user_error(where, problem)]
                return payload(
                    "WebhookSubscriptionCreate", webhookSubscription=None, userErrors=errors
                )
            sub = WebhookSubscription(
                id=self.ids.next("WebhookSubscription"),
                topic=topic,
                uri=uri,
                created_at=self.clock(),
                api_version=self.api_version,
                format=str(spec.get("format") or "JSON"),
                include_fields=list(spec.get("includeFields") or []),
                filter=spec.get("filter"),
            )
            shop.webhooks.append(sub)
            return payload(
                "WebhookSubscriptionCreate", webhookSubscription=webhook_node(sub), userErrors=[]
            )

        return {
            "scriptTagDelete": script_tag_delete,
            "scriptTagCreate": script_tag_create,
            "webhookSubscriptionCreate": webhook_create,
            "metafieldsSet": metafields_set,
        }


def product_node(product: Product) -> dict[str, Any]:
    """A catalogue product as the Admin API's `Product` (its image on Shopify's CDN)."""
    return {
        "__typename": "Product",
        "id": gid("Product", product.id),
        "legacyResourceId": str(product.id),
        "handle": product.handle,
        "title": product.title,
        "status": "ACTIVE",
        "updatedAt": "2026-11-01T00:00:00Z",
        "featuredImage": {
            "__typename": "Image",
            "id": gid("ProductImage", product.id),
            "url": image_url(product),
            "altText": product.title,
            "width": 1024,
            "height": 1024,
        },
    }
