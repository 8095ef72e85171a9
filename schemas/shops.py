"""Shop identity: the only shop domains we accept anywhere (webhooks, storefront paths, install)."""

from __future__ import annotations

import re

__all__ = ["SHOP_DOMAIN_PATTERN", "is_shop_domain"]

SHOP_DOMAIN_PATTERN = r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$"
_SHOP_DOMAIN = re.compile(SHOP_DOMAIN_PATTERN.strip("^$"))


def is_shop_domain(value: str) -> bool:
    """True for `name.myshopify.com` exactly: lowercase, no trailing dot, no suffix."""
    return _SHOP_DOMAIN.fullmatch(value) is not None
