"""Analytics on the real stack, in Chromium: a popup seen for a second and clicked is one
impression and one click, on the notification and on the day, in the merchant's API and
dashboard; a shopper who refuses analytics (Shopify's Customer Privacy API) sends none."""

from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, expect
from redis.asyncio import Redis

from tests.conftest import Stack
from tests.e2e.shop import linked_order, save_settings
from tests.fixtures import eventually

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

REFUSED = "window.Shopify = {customerPrivacy: {analyticsProcessingAllowed: () => false}};"


async def counts(client: httpx.AsyncClient, shop: str, nid: str) -> dict[str, Any]:
    row = await client.get(f"/api/notifications/{nid}", params={"shop": shop})
    return row.json() if row.status_code == 200 else {}


async def test_an_impression_and_a_click_are_counted_once(
    stack: Stack, browser: Browser, shop: str
) -> None:
    redis = Redis.from_url(stack.redis_url)
    context = await browser.new_context()
    try:
        async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
            await save_settings(client, redis, shop, first_delay_ms=0, display_ms=30_000)
            page = await context.new_page()
            await page.goto(f"{stack.url}/demo/{shop}")
            nid = await linked_order(client, stack, shop, 71)
            link = page.locator("#proofstream-root .ps-popup a.ps-text")
            await expect(link).to_be_visible(timeout=15_000)
            await link.hover()
            await link.hover()  # hovered twice, counted once
            await page.wait_for_timeout(1200)  # a second on screen: the impression
            await link.click()  # leaves for /products/<handle> (keepalive sends the click)

            async def counted() -> bool:
                row = await counts(client, shop, nid)
                return (row.get("impressions"), row.get("hovers"), row.get("clicks")) == (1, 1, 1)

            await eventually(counted, timeout=30)
            assert (await counts(client, shop, nid))["click_through"] == 1.0
            days = (await client.get("/api/engagement", params={"shop": shop})).json()["days"]
            assert [(d["impressions"], d["clicks"], d["click_through"]) for d in days] == [
                (1, 1, 1.0)
            ]
            dashboard = await context.new_page()
            await dashboard.route("**/app-bridge.js", lambda route: route.fulfill(body=""))
            await dashboard.goto(f"{stack.url}/admin?shop={shop}")
            row = dashboard.locator("#engagement tbody tr").first
            await expect(row).to_contain_text("100.0 %", timeout=15_000)

            # A shopper who refuses analytics: shown, hovered and clicked, nothing counted.
            # The sentinel: a later page that allows them, whose impression of the same
            # popup goes to the same gateway after the refused page is gone.
            await save_settings(client, redis, shop, first_delay_ms=0, display_ms=4000, gap_ms=0)
            later = await browser.new_context()  # another visit (the config is cached 30 s)
            refusing = await later.new_page()
            await refusing.add_init_script(REFUSED)
            await refusing.goto(f"{stack.url}/demo/{shop}")
            quiet = await linked_order(client, stack, shop, 72)
            popup = refusing.locator("#proofstream-root .ps-popup a.ps-text")
            await expect(popup).to_be_visible(timeout=15_000)
            await refusing.wait_for_timeout(1200)
            await popup.click()
            allowing = await later.new_page()
            await allowing.goto(f"{stack.url}/demo/{shop}")  # backfill: both popups

            async def seen_once() -> bool:
                return (await counts(client, shop, quiet)).get("impressions") == 1

            await eventually(seen_once, timeout=30)
            await later.close()
            refused = await counts(client, shop, quiet)
            assert (refused["hovers"], refused["clicks"]) == (0, 0)
    finally:
        await context.close()
        await redis.aclose()
