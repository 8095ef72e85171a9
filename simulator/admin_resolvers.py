"""The resolvers of the Admin GraphQL API's operations the app uses (`ShopView`: one shop,
as one app's token sees it), and the access scopes each root field needs; the schema check
and the projection onto the selections are `simulator.admin_api`'s."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Any

from simulator.catalogue import CATALOGUE, Product, image_url
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

__all__ = ["ShopView", "product_node"]

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
