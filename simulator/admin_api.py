"""The GraphQL side of the Admin API, for the few operations the app uses.

A small GraphQL parser (variables with defaults, aliases, fragments, ``@skip``/``@include``), a
check of the whole operation against a slice of Shopify's schema before anything runs (unknown
fields are errors, as on Shopify), the resolvers (`ShopView`) and the projection of what they
return onto the selections. The parser is this module's last part.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

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
    },
    "Mutation": {
        "scriptTagDelete": "ScriptTagDeletePayload",
        "scriptTagCreate": "ScriptTagCreatePayload",
        "webhookSubscriptionCreate": "WebhookSubscriptionCreatePayload",
        "metafieldsSet": "MetafieldsSetPayload",
    },
    "AppInstallation": {"id": None},
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
for _node in ("OnlineStoreTheme", "OnlineStoreThemeFile", "ScriptTag", "WebhookSubscription"):
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


class GraphQLError(Exception):
    """One entry of the response's ``errors``."""

    def __init__(self, message: str, *, at: tuple[int, int] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.entry: dict[str, Any] = {"message": message}
        if at is not None:
            self.entry["locations"] = [{"line": at[0], "column": at[1]}]
        self.entry.update(extra)


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
                    raw = raw({name: _resolve(arg, self.variables) for name, arg in sel.args})
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

        return {
            "shop": shop_field,
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


# --- the parser ---------------------------------------------------------------------------------

_TOKENS = re.compile(
    r'(?P<skip>[\s,\ufeff]+|#[^\n\r]*)|(?P<block>"""(?:[^"\\]|\\.|"(?!""))*""")'
    r'|(?P<string>"(?:[^"\\\n]|\\.)*")|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)'
    r"|(?P<name>[_A-Za-z][_0-9A-Za-z]*)|(?P<punct>\.\.\.|[!$&():=@\[\]{}|])"
)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    at: tuple[int, int]


class _Enum(str):
    """An enum literal (``MAIN``): a plain string once resolved."""


@dataclass(frozen=True)
class _Var:
    name: str


@dataclass
class _Directed:
    at: tuple[int, int]
    directives: list[tuple[str, list[tuple[str, Any]]]]

    def included(self, variables: dict[str, Any]) -> bool:
        for name, args in self.directives:
            condition = bool(_resolve(dict(args).get("if"), variables))
            if (name == "skip" and condition) or (name == "include" and not condition):
                return False
        return True


@dataclass
class Field(_Directed):
    alias: str | None
    name: str
    args: list[tuple[str, Any]]
    selections: list[Selection]

    @property
    def key(self) -> str:
        return self.alias or self.name


@dataclass
class InlineFragment(_Directed):
    type_condition: str | None
    selections: list[Selection]


@dataclass
class FragmentSpread(_Directed):
    name: str


@dataclass
class Fragment:
    type_condition: str
    selections: list[Selection]


@dataclass
class Operation:
    kind: str  # query or mutation
    name: str | None
    defaults: dict[str, Any]
    selections: list[Selection]


Selection = Field | InlineFragment | FragmentSpread


def _resolve(value: Any, variables: dict[str, Any]) -> Any:
    if isinstance(value, _Var):
        return variables.get(value.name)
    if isinstance(value, list):
        return [_resolve(item, variables) for item in value]
    if isinstance(value, dict):
        return {key: _resolve(item, variables) for key, item in value.items()}
    return str(value) if isinstance(value, _Enum) else value


def plan(
    query: str, variables: dict[str, Any] | None, operation_name: str | None
) -> tuple[Operation, dict[str, Fragment], dict[str, Any]]:
    """The operation to run, the document's fragments and the variables (defaults applied);
    `GraphQLError` on a syntax error or an ambiguous or unknown operation name."""
    operations, fragments = _Parser(query).document()
    if operation_name:
        chosen = [op for op in operations if op.name == operation_name]
        if not chosen:
            raise GraphQLError(f'No operation named "{operation_name}"')
        operation = chosen[0]
    elif len(operations) > 1:
        raise GraphQLError("An operation name is required")
    else:
        operation = operations[0]
    values = {name: _resolve(value, {}) for name, value in operation.defaults.items()}
    return operation, fragments, values | dict(variables or {})


def _unexpected(token: _Token) -> GraphQLError:
    line, column = token.at
    return GraphQLError(
        f'Parse error on "{token.text}" ({token.kind.upper()}) at [{line}, {column}]', at=token.at
    )


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens: list[_Token] = []
        pos, line, line_start = 0, 1, 0
        while pos < len(text):
            match = _TOKENS.match(text, pos)
            at = (line, pos - line_start + 1)
            if match is None:
                raise GraphQLError(f'Parse error on "{text[pos]}" (error) at [{at[0]}, {at[1]}]')
            kind = match.lastgroup or "skip"
            if kind != "skip":
                self.tokens.append(_Token(kind, match.group(), at))
            for newline in re.finditer(r"\r\n|\n|\r", match.group()):
                line, line_start = line + 1, pos + newline.end()
            pos = match.end()
        self.pos = 0

    def peek(self, text: str | None = None) -> bool:
        if self.pos >= len(self.tokens):
            return False
        return text is None or self.tokens[self.pos].text == text

    def take(self, text: str | None = None, kind: str | None = None) -> _Token:
        if self.pos >= len(self.tokens):
            raise GraphQLError("Unexpected end of document")
        token = self.tokens[self.pos]
        if (text is not None and token.text != text) or (kind is not None and token.kind != kind):
            raise _unexpected(token)
        self.pos += 1
        return token

    def document(self) -> tuple[list[Operation], dict[str, Fragment]]:
        operations: list[Operation] = []
        fragments: dict[str, Fragment] = {}
        while self.peek():
            if self.peek("{"):
                operations.append(Operation("query", None, {}, self.selection_set()))
                continue
            keyword = self.take(kind="name").text
            if keyword == "fragment":
                name = self.take(kind="name").text
                self.take("on")
                condition = self.take(kind="name").text
                self.directives()
                fragments[name] = Fragment(condition, self.selection_set())
                continue
            if keyword not in ("query", "mutation"):
                self.pos -= 1
                self.take("{")
            named = self.pos < len(self.tokens) and self.tokens[self.pos].kind == "name"
            operation_name = self.take(kind="name").text if named else None
            defaults = self.variable_definitions()
            self.directives()
            operations.append(Operation(keyword, operation_name, defaults, self.selection_set()))
        if not operations:
            raise GraphQLError("Unexpected end of document")
        return operations, fragments

    def variable_definitions(self) -> dict[str, Any]:
        defaults: dict[str, Any] = {}
        if not self.peek("("):
            return defaults
        self.take("(")
        while not self.peek(")"):
            self.take("$")
            name = self.take(kind="name").text
            self.take(":")
            depth = 0
            while depth or not (self.peek("=") or self.peek(")") or self.peek("$")):
                token = self.take()
                depth += {"[": 1, "]": -1}.get(token.text, 0)
            if self.peek("="):
                self.take("=")
                defaults[name] = self.value()
        self.take(")")
        return defaults

    def selection_set(self) -> list[Selection]:
        self.take("{")
        selections: list[Selection] = []
        while not self.peek("}"):
            selections.append(self.selection())
        self.take("}")
        return selections

    def selection(self) -> Selection:
        if self.peek("..."):
            at = self.take("...").at
            if self.peek("on") or self.peek("{") or self.peek("@"):
                condition = None
                if self.peek("on"):
                    self.take("on")
                    condition = self.take(kind="name").text
                directives = self.directives()
                return InlineFragment(at, directives, condition, self.selection_set())
            name = self.take(kind="name").text
            return FragmentSpread(at, self.directives(), name)
        first = self.take(kind="name")
        alias, name = None, first.text
        if self.peek(":"):
            self.take(":")
            alias, name = name, self.take(kind="name").text
        args = self.arguments()
        directives = self.directives()
        selections = self.selection_set() if self.peek("{") else []
        return Field(first.at, directives, alias, name, args, selections)

    def arguments(self) -> list[tuple[str, Any]]:
        args: list[tuple[str, Any]] = []
        if self.peek("("):
            self.take("(")
            while not self.peek(")"):
                name = self.take(kind="name").text
                self.take(":")
                args.append((name, self.value()))
            self.take(")")
        return args

    def directives(self) -> list[tuple[str, list[tuple[str, Any]]]]:
        found = []
        while self.peek("@"):
            self.take("@")
            found.append((self.take(kind="name").text, self.arguments()))
        return found

    def value(self) -> Any:
        token = self.take()
        if token.text == "$":
            return _Var(self.take(kind="name").text)
        if token.text == "[":
            items = []
            while not self.peek("]"):
                items.append(self.value())
            self.take("]")
            return items
        if token.text == "{":
            fields: dict[str, Any] = {}
            while not self.peek("}"):
                key = self.take(kind="name").text
                self.take(":")
                fields[key] = self.value()
            self.take("}")
            return fields
        if token.kind == "string":
            return json.loads(token.text)
        if token.kind == "block":
            return token.text[3:-3].replace('\\"""', '"""')
        if token.kind == "number":
            return float(token.text) if any(c in token.text for c in ".eE") else int(token.text)
        if token.kind == "name":
            literals = {"true": True, "false": False, "null": None}
            return literals[token.text] if token.text in literals else _Enum(token.text)
        raise _unexpected(token)
