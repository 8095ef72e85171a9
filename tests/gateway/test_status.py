"""GET /api/status on the session's real stack: what the record, the dead-letter topic and
the lag say about a shop, and "unknown" where Shopify cannot be asked (the installed case,
with the simulator, is in tests/test_shopify_app.py)."""

import httpx
import orjson
import pytest

from simulator.orders import OrderFactory
from tests.conftest import Stack
from tests.fixtures import eventually, order_body, post_webhook

pytestmark = pytest.mark.integration


async def test_status_counts_a_shops_popups_and_dead_letters(stack: Stack, shop: str) -> None:
    async with httpx.AsyncClient(timeout=15) as client:

        async def status() -> dict[str, object]:
            answer = await client.get(f"{stack.url}/api/status", params={"shop": shop})
            assert answer.status_code == 200, answer.text
            body: dict[str, object] = answer.json()
            return body

        before = await status()
        assert before["notifications_24h"] == 0 and before["last_notification_at"] is None
        assert before["last_deliveries"] == {}
        for body in (
            order_body(OrderFactory(seed=1, shop=shop), title="Counted"),
            orjson.dumps({"id": 42, "line_items": "not a list"}),  # dead-lettered
        ):
            answer = await post_webhook(
                client, stack.webhook_url, secret=stack.secret, shop=shop, body=body
            )
            assert answer.status_code == 200

        async def both_counted() -> bool:
            now = await status()
            delivered = now["last_deliveries"]
            return (
                now["notifications_24h"] == 1
                and now["dead_letters_24h"] == 1
                and isinstance(delivered, dict)
                and list(delivered) == ["orders/create"]
            )

        await eventually(both_counted, timeout=30)
        after = await status()
    assert after["installed"] is False and after["scopes"] == []  # dev mode: never installed
    assert after["app_embed"] == "unknown"  # no token to ask Shopify with
    assert after["last_notification_at"] is not None
    assert isinstance(after["messages_waiting"], int)
