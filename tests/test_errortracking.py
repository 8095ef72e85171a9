"""Error tracking sends nothing sensitive: an error raised while a webhook is handled, with
a token, the app's secret and a customer's data in its locals, its message and its
request, reaches Sentry's transport (a local one here) without any of them."""

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import sentry_sdk
from pydantic import SecretStr
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from proofstream.errortracking import REDACTED, init_error_tracking, scrub
from proofstream.settings import Settings

TOKEN = "shpat_0123456789abcdef0123456789abcdef"
SECRET = "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"
EMAIL = "emma.buyer@example.com"
BODY = orjson.dumps({"customer": {"first_name": "Emma", "email": EMAIL, "phone": "+15550100"}})


class Captured(Transport):
    def __init__(self) -> None:
        super().__init__()
        self.envelopes: list[Envelope] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)


@pytest.fixture
def transport() -> Iterator[Captured]:
    captured = Captured()
    settings = Settings.model_validate({"SENTRY_DSN": SecretStr("https://key@sentry.invalid/1")})
    assert init_error_tracking(settings, component="gateway", transport=captured)
    yield captured
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # back to no client


def handle_webhook(body: bytes, access_token: str, secret: str) -> None:
    raise ValueError(f"could not use {access_token} for {EMAIL}")


def test_an_error_reaches_the_transport_without_secrets_or_customer_data(
    transport: Captured,
) -> None:
    with sentry_sdk.new_scope() as scope:
        scope.set_context("webhook", {"payload": BODY.decode(), "shop": "demo.myshopify.com"})
        scope.set_extra("authorization", f"Bearer {TOKEN}")
        scope.add_breadcrumb(message=f"received from {EMAIL}", data={"body": BODY.decode()})
        try:
            handle_webhook(BODY, TOKEN, SECRET)
        except ValueError as exc:
            sentry_sdk.capture_exception(exc)
    sentry_sdk.flush()
    assert len(transport.envelopes) == 1
    sent = transport.envelopes[0].serialize().decode()
    assert "ValueError" in sent and "handle_webhook" in sent  # still useful
    for private in (TOKEN, SECRET, EMAIL, "Emma", "+15550100"):
        assert private not in sent, private
    assert REDACTED in sent


def test_scrub_keeps_only_the_method_and_the_path_of_a_request() -> None:
    event: dict[str, Any] = {
        "request": {
            "method": "POST",
            "url": f"https://gw.example/webhooks/shopify?token={TOKEN}",
            "headers": {"X-Shopify-Hmac-Sha256": "c2lnbmF0dXJl"},
            "data": BODY.decode(),
            "cookies": "session=1",
        }
    }
    assert scrub(event)["request"] == {
        "method": "POST",
        "url": "https://gw.example/webhooks/shopify",
    }


def test_without_a_dsn_nothing_starts() -> None:
    assert init_error_tracking(Settings(), component="worker") is False
