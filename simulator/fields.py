"""Shopify's `include_fields`: a subscription that names field paths gets only those in its
deliveries. The app declares them in `shopify.app.toml`; the simulator reads that file and
trims its payloads the same way."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["IncludeFields", "include_fields", "subscribed_fields"]

IncludeFields = Mapping[str, Sequence[str]]  # topic → field paths


def include_fields(payload: Mapping[str, Any], paths: Sequence[str]) -> dict[str, Any]:
    """Only the fields at `paths` (`"id"`, `"line_items.title"`: a path through a list
    applies to every element); a top-level name keeps its whole value."""
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        *parents, leaf = path.split(".")
        for part in parents:
            child = node.setdefault(part, {})
            if child is True:
                break
            node = child
        else:
            node[leaf] = True
    picked: dict[str, Any] = _pick(payload, tree)
    return picked


def _pick(value: Any, tree: Mapping[str, Any]) -> Any:
    if isinstance(value, list):
        return [_pick(item, tree) for item in value]
    if not isinstance(value, Mapping):
        return value
    picked: dict[str, Any] = {}
    for key, sub in tree.items():
        if key in value:
            picked[key] = value[key] if sub is True else _pick(value[key], sub)
    return picked


def subscribed_fields(app_toml: Path) -> dict[str, list[str]]:
    """Topic → include_fields of every subscription in an app configuration file that
    names some (topics without are delivered whole)."""
    config = tomllib.loads(app_toml.read_text(encoding="utf-8"))
    fields: dict[str, list[str]] = {}
    for subscription in config.get("webhooks", {}).get("subscriptions", ()):
        paths = subscription.get("include_fields")
        if paths:
            for topic in subscription.get("topics", ()):
                fields[topic] = list(paths)
    return fields
