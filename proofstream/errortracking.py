"""Error tracking with Sentry (`SENTRY_DSN`; off without it), for the gateway and the worker.

Nothing sensitive leaves the process: no request bodies, cookies, headers or query strings,
no local variables, and `scrub` (the `before_send` hook) redacts, anywhere in an event,
the values of keys that name a secret or customer data, and any string that looks like an
access token, a Shopify secret or an email address.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sentry_sdk
from sentry_sdk.transport import Transport

from proofstream.settings import Settings

__all__ = ["REDACTED", "init_error_tracking", "scrub"]

REDACTED = "[redacted]"
SENSITIVE_KEY = re.compile(
    r"token|secret|password|passwd|hmac|signature|authorization|cookie|session|api[-_]?key|"
    r"email|phone|first_name|last_name|name|address|street|city|zip|postal|province|"
    r"latitude|longitude|browser_ip|customer|billing|shipping|body|payload|data",
    re.IGNORECASE,
)
SENSITIVE_VALUE = re.compile(
    r"shp(?:at|ca|pa|ss|ua|rt)_[0-9a-zA-Z]+|[Bb]earer\s+\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
)
KEPT_KEYS = frozenset({"type", "value", "module", "function", "filename", "abs_path", "lineno"})


def init_error_tracking(
    settings: Settings, *, component: str, transport: Transport | None = None
) -> bool:
    """Start Sentry for this process if `SENTRY_DSN` is set; returns whether it did."""
    if settings.sentry_dsn is None:
        return False
    sentry_sdk.init(
        dsn=settings.sentry_dsn.get_secret_value(),
        environment=settings.sentry_environment,
        server_name=component,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub,
        transport=transport,
    )
    sentry_sdk.set_tag("component", component)
    return True


def scrub(event: Any, hint: Any = None) -> Any:
    """The event with everything sensitive removed or redacted (Sentry's `before_send`)."""
    request = event.get("request")
    if isinstance(request, dict):
        event["request"] = {k: v for k, v in request.items() if k in ("method", "url")}
        if "url" in event["request"]:
            event["request"]["url"] = str(event["request"]["url"]).split("?", 1)[0]
    return _clean(event, key="")


def _clean(value: Any, *, key: str) -> Any:
    if key and key not in KEPT_KEYS and SENSITIVE_KEY.search(key):
        return REDACTED
    if isinstance(value, Mapping):
        if key == "vars":  # a frame's local variables
            return {}
        return {k: _clean(v, key=str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item, key="") for item in value]
    if isinstance(value, str):
        return SENSITIVE_VALUE.sub(REDACTED, value)
    return value
