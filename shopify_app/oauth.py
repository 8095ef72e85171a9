"""Authorization-code install: query HMAC, the authorize redirect, and the signed state."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from urllib.parse import quote, urlencode

__all__ = [
    "authorize_url",
    "new_state",
    "query_message",
    "sign_query",
    "sign_state",
    "unsign_state",
    "verify_query_hmac",
]

MAX_QUERY_AGE_S = 90


def _form(text: str) -> str:
    # As Shopify's own library writes the signed message (URLSearchParams, then + as %20):
    # ASCII letters, digits and *-._ stay, everything else is percent-encoded UTF-8.
    # quote keeps ~ and would encode *.
    return quote(text, safe="*").replace("~", "%7E")


def query_message(params: Mapping[str, str]) -> str:
    """What Shopify signs: every parameter but `hmac` and `signature`, sorted by name,
    form-encoded and joined with &."""
    return "&".join(
        f"{_form(key)}={_form(value)}"
        for key, value in sorted(params.items())
        if key not in ("hmac", "signature")
    )


def sign_query(params: Mapping[str, str], *, secret: str) -> str:
    """The hex HMAC-SHA256 Shopify puts in a query's `hmac`."""
    return hmac.new(secret.encode(), query_message(params).encode(), hashlib.sha256).hexdigest()


def verify_query_hmac(
    params: Mapping[str, str], *, secret: str, now: float, max_age_s: int = MAX_QUERY_AGE_S
) -> bool:
    """The query's `hmac` is `sign_query` of it, and its `timestamp` is within
    `max_age_s` of now."""
    given = params.get("hmac", "")
    expected = sign_query(params, secret=secret)
    # As bytes: compare_digest refuses str with non-ASCII characters (a forged query can
    # hold any).
    if not hmac.compare_digest(expected.encode(), given.encode()):
        return False
    timestamp = params.get("timestamp", "")
    return _digits(timestamp) and abs(now - int(timestamp)) <= max_age_s


def _digits(text: str) -> bool:
    # str.isdigit() is true for "²" too, which int() refuses.
    return text.isascii() and text.isdigit()


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
