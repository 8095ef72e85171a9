"""The gateway's HTML pages: packaged templates with `{{NAME}}` slots filled HTML-escaped."""

from __future__ import annotations

import html
from importlib import resources

__all__ = ["fill", "template"]


def template(name: str) -> str:
    """A template from `gateway/templates/` (read once, at start-up)."""
    return resources.files("gateway").joinpath("templates", name).read_text(encoding="utf-8")


def fill(page: str, **values: str) -> str:
    """Replace each `{{NAME}}` with its HTML-escaped value."""
    for name, value in values.items():
        page = page.replace("{{" + name + "}}", html.escape(value))
    return page
