"""The theme app embed: is it on in the main theme, the deep link that turns it on, and
cleaning up script tags (Shopify stopped creating them on 2026-10-01)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from shopify_app.errors import ShopifyError
from shopify_app.graphql import AdminClient

__all__ = [
    "activate_url",
    "delete_script_tags",
    "embed_enabled",
    "embed_status",
    "EmbedStatus",
    "publish_widget_key",
]

MAIN_THEME_SETTINGS = """
query MainThemeSettings {
  themes(first: 1, roles: [MAIN]) {
    nodes {
      id
      name
      files(filenames: ["config/settings_data.json"], first: 1) {
        nodes { filename body { ... on OnlineStoreThemeFileBodyText { content } } }
      }
    }
  }
}
"""
SCRIPT_TAGS = "query ScriptTags { scriptTags(first: 50) { nodes { id src } } }"
SCRIPT_TAG_DELETE = """
mutation ScriptTagDelete($id: ID!) {
  scriptTagDelete(id: $id) { deletedScriptTagId userErrors { field message } }
}
"""
APP_INSTALLATION = "query AppInstallation { currentAppInstallation { id } }"
SET_WIDGET_KEY = """
mutation SetWidgetKey($metafields: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $metafields) {
    metafields { namespace key }
    userErrors { field message }
  }
}
"""


@dataclass(frozen=True)
class EmbedStatus:
    """Whether shoppers of the main theme load the widget, and how to turn it on."""

    enabled: bool
    theme: str | None
    activate_url: str


def activate_url(shop: str, *, api_key: str, block_handle: str) -> str:
    """The theme editor deep link that adds and turns on our app embed."""
    return (
        f"https://{shop}/admin/themes/current/editor?context=apps"
        f"&activateAppId={api_key}/{block_handle}"
    )


def embed_enabled(settings_data: str, *, app_handle: str, block_handle: str) -> bool:
    """True when `current.blocks` holds our block and it is not disabled."""
    # settings_data.json may carry a leading comment block, as Shopify writes it.
    text = settings_data[settings_data.find("{") :]
    current = orjson.loads(text).get("current")
    blocks: dict[str, Any] = current.get("blocks", {}) if isinstance(current, dict) else {}
    prefix = f"shopify://apps/{app_handle}/blocks/{block_handle}/"
    return any(
        isinstance(block, dict)
        and str(block.get("type", "")).startswith(prefix)
        and not block.get("disabled", False)
        for block in blocks.values()
    )


async def embed_status(
    client: AdminClient, shop: str, *, api_key: str, app_handle: str, block_handle: str
) -> EmbedStatus:
    data = await client.query(shop, MAIN_THEME_SETTINGS)
    themes = data.get("themes", {}).get("nodes", [])
    link = activate_url(shop, api_key=api_key, block_handle=block_handle)
    if not themes:
        return EmbedStatus(enabled=False, theme=None, activate_url=link)
    theme = themes[0]
    files = theme.get("files", {}).get("nodes", [])
    content = files[0].get("body", {}).get("content", "") if files else ""
    enabled = bool(content) and embed_enabled(
        content, app_handle=app_handle, block_handle=block_handle
    )
    return EmbedStatus(enabled=enabled, theme=theme.get("name"), activate_url=link)


async def delete_script_tags(client: AdminClient, shop: str) -> int:
    """Delete every script tag this app owns (an app only sees its own); returns how many."""
    data = await client.query(shop, SCRIPT_TAGS)
    deleted = 0
    for tag in data.get("scriptTags", {}).get("nodes", []):
        result = await client.query(shop, SCRIPT_TAG_DELETE, {"id": tag["id"]})
        if result.get("scriptTagDelete", {}).get("deletedScriptTagId"):
            deleted += 1
    return deleted


async def publish_widget_key(client: AdminClient, shop: str, *, key: str) -> None:
    """Store the shop's widget public key in an app-owned metafield, which the app embed
    block reads as `app.metafields.proofstream.widget_key`."""
    installation = await client.query(shop, APP_INSTALLATION)
    owner = installation["currentAppInstallation"]["id"]
    result = await client.query(
        shop,
        SET_WIDGET_KEY,
        {
            "metafields": [
                {
                    "ownerId": owner,
                    "namespace": "proofstream",
                    "key": "widget_key",
                    "type": "single_line_text_field",
                    "value": key,
                }
            ]
        },
    )
    if errors := result.get("metafieldsSet", {}).get("userErrors"):
        raise ShopifyError(f"metafieldsSet: {errors}")
