"""Shopify session tokens: the JWT the embedded admin sends, verified with the app secret."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import jwt

from gateway.errors import Unauthorized
from schemas import is_shop_domain

__all__ = ["SessionToken", "verify_session_token"]

LEEWAY_S = 10


@dataclass(frozen=True)
class SessionToken:
    """Who is calling: the shop, and the staff user when Shopify says."""

    shop: str
    user: str | None


def verify_session_token(token: str, *, api_key: str, secret: str) -> SessionToken:
    """HS256 signed with the app secret, `aud` = API key, `iss` and `dest` on the same shop,
    `exp`/`nbf` within 10 s of leeway; `Unauthorized` otherwise."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            audience=api_key,
            leeway=LEEWAY_S,
            options={"require": ["exp", "nbf", "iss", "dest", "aud"]},
        )
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"invalid session token: {exc}") from exc
    dest = urlsplit(str(claims["dest"])).hostname or ""
    if not is_shop_domain(dest) or claims["iss"] != f"https://{dest}/admin":
        raise Unauthorized("invalid session token: iss and dest must name the same shop")
    user = claims.get("sub")
    return SessionToken(shop=dest, user=str(user) if user is not None else None)
