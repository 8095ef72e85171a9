"""A shop's product catalogue from the Admin GraphQL API, page by page, in the shape of the
`products/update` webhook the worker already reads (the install seeds the products table
with it; the webhooks keep it current)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from shopify_app.graphql import AdminClient

__all__ = ["PRODUCTS_QUERY", "product_pages"]

PRODUCTS_QUERY = """
query Products($after: String) {
  products(first: 250, after: $after, query: "status:active") {
    edges {
      node { legacyResourceId handle title status updatedAt featuredImage { url } }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def product_pages(admin: AdminClient, shop: str) -> AsyncIterator[list[dict[str, Any]]]:
    """Each page of the shop's active products, as `products/update` payloads."""
    after: str | None = None
    while True:
        data = await admin.query(shop, PRODUCTS_QUERY, {"after": after})
        connection = data.get("products") or {}
        yield [_as_webhook(edge["node"]) for edge in connection.get("edges") or ()]
        page = connection.get("pageInfo") or {}
        if not page.get("hasNextPage") or not page.get("endCursor"):
            return
        after = page["endCursor"]


def _as_webhook(node: dict[str, Any]) -> dict[str, Any]:
    image = node.get("featuredImage") or {}
    return {
        "id": node.get("legacyResourceId"),
        "handle": node.get("handle"),
        "title": node.get("title"),
        "status": str(node.get("status") or "").lower() or None,
        "updated_at": node.get("updatedAt"),
        "image": {"src": image["url"]} if image.get("url") else None,
    }
