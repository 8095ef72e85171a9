"""Authorization-code install: query HMAC, the authorize redirect, and the signed state."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from urllib.parse import urlencode

__all__ = ["authorize_url", "new_state", "sign_state", "unsign_state", "verify_query_hmac"]

MAX_QUERY_AGE_S = 90


def verify_query_hmac(
    params: Mapping[str, str], *, secret: str, now: float, max_age_s: int = MAX_QUERY_AGE_S
) -> bool:
    """Shopify's query signature: drop `hmac`/`signature`, sort, URL-encode, hex HMAC-SHA256;
    and the `timestamp` must be within `max_age_s` of now."""
    given = params.get("hmac", "")
    message = "&".join(
        f"{_escape(k, key=True)}={_escape(v)}"
        for k, v in sorted(params.items())
        if k not in ("hmac", "signature")
    )
    expected = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    # As bytes: compare_digest refuses str with non-ASCII characters (a forged query can
    # hold any).
    if not hmac.compare_digest(expected.encode(), given.encode()):
        return False
    timestamp = params.get("timestamp", "")
    return _digits(timestamp) and abs(now - int(timestamp)) <= max_age_s


def _digits(text: str) -> bool:
    # str.isdigit() is true for "²" too, which int() refuses.
    return text.isascii() and text.isdigit()


def _escape(text: str, *, key: bool = False) -> str:
    # Shopify's own escaping for the signed message: % and & always, = in keys.
    text = text.replace("%", "%25").replace("&", "%26")
    return text.replace("=", "%3D") if key else text


def authorize_url(
    *, admin_url: str, api_key: str, scopes: str, redirect_uri: str, state: str
) -> str:
    """Where to send the merchant to approve the install (offline access)."""
    query = urlencode(
        {"client_id": api_key, "scope": scopes, "redirect_uri": redirect_uri, "state": state}
    )
    return f"{admin_url}/admin/oauth/authorize?{query}"


def new_state() -> str:
    return secrets.token_urlsafe(24)


def _mac(secret: str, value: str) -> str:
    return hmac.new(secret.encode(), f"state:{value}".encode(), hashlib.sha256).hexdigest()


def sign_state(state: str, *, secret: str, now: float | None = None) -> str:
    """The cookie value carrying the state: `state.issued_at.mac`."""
    value = f"{state}.{int(now if now is not None else time.time())}"
    return f"{value}.{_mac(secret, value)}"


def unsign_state(cookie: str, *, secret: str, now: float, max_age_s: int = 600) -> str | None:
    """The state from a cookie we signed less than `max_age_s` ago, else None."""
    value, _, mac = cookie.rpartition(".")
    state, _, issued = value.rpartition(".")
    if not (
        state
        and _digits(issued)
        and hmac.compare_digest(_mac(secret, value).encode(), mac.encode())
    ):
        return None
    return state if now - int(issued) <= max_age_s else None
