"""The GraphQL side of the Admin API, for the few operations the app uses.

A check of the whole operation (parsed by `simulator.graphql_parser`) against a slice of
Shopify's schema before anything runs (unknown fields are errors, as on Shopify), and the
projection of what the resolvers (`simulator.admin_resolvers.ShopView`) return onto the
selections.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from simulator.admin_resolvers import ShopView
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
    FieldError,
)

__all__ = ["QUERY_COST", "Executor", "GraphQLError", "Operation", "plan"]

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
