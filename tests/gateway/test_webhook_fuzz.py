"""The webhook route under signed junk: random bodies (JSON of any shape, or bytes) and
random header values, every one correctly signed, against the live gateway. It answers
200, 400 or 413, always as JSON, never with a server error or a stack trace."""

import asyncio
import json
import string
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.webhooks import headers as shopify_headers
from tests.conftest import Stack
from tests.stages.test_properties import values

pytestmark = pytest.mark.integration

# What an HTTP client can send at all: visible ASCII and inner spaces.
HEADER_TEXT = st.text(
    alphabet=string.ascii_letters + string.digits + string.punctuation + " ", max_size=40
).map(str.strip)
TOPICS = (
    st.sampled_from(
        [
            "orders/create",
            "orders/cancelled",
            "refunds/create",
            "customers/redact",
            "app/uninstalled",
        ]
    )
    | HEADER_TEXT
)
BODIES = values.map(lambda v: json.dumps(v, ensure_ascii=False).encode()) | st.binary(max_size=2000)


def fuzz(stack: Stack, shop: str) -> None:
    with httpx.Client(timeout=10) as client:

        @given(
            body=BODIES,
            topic=TOPICS,
            overrides=st.dictionaries(
                st.sampled_from(
                    [
                        "X-Shopify-Shop-Domain",
                        "X-Shopify-Webhook-Id",
                        "X-Shopify-Event-Id",
                        "X-Shopify-Triggered-At",
                        "X-Shopify-API-Version",
                        "Content-Type",
                    ]
                ),
                HEADER_TEXT,
                max_size=3,
            ),
        )
        @settings(
            max_examples=150,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(body: bytes, topic: str, overrides: dict[str, Any]) -> None:
            headers = shopify_headers(secret=stack.secret, body=body, topic=topic, shop=shop)
            headers |= overrides
            response = client.post(stack.webhook_url, content=body, headers=headers)
            assert response.status_code in (200, 400, 413), (response.status_code, response.text)
            assert "Traceback" not in response.text
            answer = response.json()
            assert set(answer) == ({"status"} if response.status_code == 200 else {"error"})

        check()


async def test_signed_junk_never_gets_a_server_error(stack: Stack, shop: str) -> None:
    # On a thread: hypothesis and this client are synchronous.
    await asyncio.to_thread(fuzz, stack, shop)
