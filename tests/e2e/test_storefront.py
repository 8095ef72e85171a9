"""The demo storefront in Debian's Chromium (Playwright): a signed order pops up live."""

import asyncio
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from schemas import notification_id
from simulator.followups import cancelled
from simulator.orders import OrderFactory
from simulator.webhooks import headers as shopify_headers
from tests.conftest import ROOT, Stack
from tests.e2e.shop import product
from tests.fixtures import eventually, order_body, post_webhook

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1100, "height": 700})
    page = await context.new_page()
    yield page
    await context.close()


async def open_demo(page: Page, stack: Stack, shop: str, *, host: str = "127.0.0.1") -> None:
    await page.goto(f"{stack.url.replace('127.0.0.1', host)}/demo/{shop}")
    # The widget marks itself ready once the server confirmed its subscription.
    await expect(page.locator("#proofstream-root")).to_have_attribute(
        "data-state", "ready", timeout=10_000
    )


async def test_signed_order_pops_up_within_10_s(
    stack: Stack, page: Page, shop: str, screenshot_path: Callable[[str], str]
) -> None:
    # Served from another origin than the widget's, as a merchant's storefront is: the
    # config and the stream are then read across origins (CORS).
    await open_demo(page, stack, shop, host="localhost")
    async with httpx.AsyncClient(timeout=10) as client:
        body = order_body(OrderFactory(seed=11, shop=shop), title="Blue Hoodie", first_name="Emma")
        assert (
            await post_webhook(client, stack.webhook_url, secret=stack.secret, shop=shop, body=body)
        ).status_code == 200
    popup = page.locator("#proofstream-root .ps-popup.ps-in")
    await expect(popup).to_be_visible(timeout=10_000)
    text = popup.locator(".ps-text")
    await expect(text).to_contain_text("Emma")
    await expect(text).to_contain_text("Blue Hoodie")
    await expect(page.locator('#proofstream-root [role="status"] .ps-popup')).to_have_count(1)
    await page.screenshot(path=screenshot_path("demo.png"))
    await popup.locator(".ps-close").click()
    await expect(page.locator("#proofstream-root .ps-popup")).to_have_count(0)


async def test_tampered_and_foreign_orders_never_show(stack: Stack, page: Page, shop: str) -> None:
    other = "b-" + shop
    await open_demo(page, stack, shop)
    async with httpx.AsyncClient(timeout=10) as client:
        tampered = order_body(OrderFactory(seed=12, shop=shop), title="Original Lamp")
        headers = shopify_headers(
            secret=stack.secret, body=tampered, topic="orders/create", shop=shop
        )
        forged = tampered.replace(b"Original Lamp", b"Tampered Lamp")
        assert (
            await client.post(stack.webhook_url, content=forged, headers=headers)
        ).status_code == 401
        foreign = order_body(OrderFactory(seed=13, shop=other), title="Shop B Mug")
        assert (
            await post_webhook(
                client, stack.webhook_url, secret=stack.secret, shop=other, body=foreign
            )
        ).status_code == 200
        mine = order_body(OrderFactory(seed=14, shop=shop), title="Shop A Candle")
        assert (
            await post_webhook(client, stack.webhook_url, secret=stack.secret, shop=shop, body=mine)
        ).status_code == 200
    await expect(page.locator("#proofstream-root .ps-text")).to_contain_text(
        "Shop A Candle", timeout=10_000
    )
    await page.wait_for_timeout(2_000)  # room for anything that should not come
    shown = await page.evaluate("window.__proofstream.shown.length")
    assert shown == 1
    html = await page.evaluate("document.getElementById('proofstream-root').shadowRoot.innerHTML")
    assert "Tampered Lamp" not in html and "Shop B Mug" not in html


async def test_hostile_product_title_is_shown_as_text(stack: Stack, page: Page, shop: str) -> None:
    await open_demo(page, stack, shop)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    hostile = '<img src=x onerror="alert(1)">Lamp'
    async with httpx.AsyncClient(timeout=10) as client:
        body = order_body(OrderFactory(seed=15, shop=shop), title=hostile)
        assert (
            await post_webhook(client, stack.webhook_url, secret=stack.secret, shop=shop, body=body)
        ).status_code == 200
    text = page.locator("#proofstream-root .ps-text")
    await expect(text).to_contain_text(hostile, timeout=10_000)
    assert await page.locator("#proofstream-root img[src=x]").count() == 0
    assert dialogs == []


async def test_a_cancelled_order_leaves_an_open_page_within_1_s(
    stack: Stack, page: Page, shop: str
) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        # Shown for a minute, so only the retraction can take it down in time.
        saved = await client.put(
            "/api/settings", params={"shop": shop}, json={"display_ms": 60_000, "first_delay_ms": 0}
        )
        assert saved.status_code == 202
        async with asyncio.timeout(20):
            while (await client.get(f"/v1/storefront/{shop}/config")).json()[
                "display_ms"
            ] != 60_000:
                await asyncio.sleep(0.1)
        await open_demo(page, stack, shop)
        factory = OrderFactory(seed=16, shop=shop)
        order = factory.order()
        order["line_items"][0]["title"] = "Cancelled Clock"
        created = await post_webhook(
            client, "/webhooks/shopify", secret=stack.secret, shop=shop, body=factory.body(order)
        )
        assert created.status_code == 200
        popup = page.locator("#proofstream-root .ps-popup")
        await expect(popup.locator(".ps-text")).to_contain_text("Cancelled Clock", timeout=10_000)
        cancel = await post_webhook(
            client,
            "/webhooks/shopify",
            secret=stack.secret,
            shop=shop,
            body=factory.body(cancelled(order)),
            topic="orders/cancelled",
        )
        assert cancel.status_code == 200
        await expect(popup).to_have_count(0, timeout=1_000)
        nid = notification_id(shop=shop, kind="order", source_id=str(order["id"]))

        async def retracted() -> bool:
            row = await client.get(f"/api/notifications/{nid}", params={"shop": shop})
            return row.status_code == 200 and row.json()["status"] == "retracted"

        await eventually(retracted)


async def test_axe_finds_nothing_on_a_storefront_with_a_popup(
    stack: Stack, page: Page, shop: str
) -> None:
    axe = ROOT / "tests" / "node" / "node_modules" / "axe-core" / "axe.min.js"
    if not axe.exists():
        pytest.fail("axe-core is missing: `scripts/dev test` installs tests/node")
    await open_demo(page, stack, shop)
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        factory = OrderFactory(seed=17, shop=shop)
        order = factory.order()
        await product(client, stack, shop, order["line_items"][0]["product_id"])
        created = await post_webhook(
            client, "/webhooks/shopify", secret=stack.secret, shop=shop, body=factory.body(order)
        )
        assert created.status_code == 200
    popup = page.locator("#proofstream-root .ps-popup.ps-in")
    await expect(popup.locator("a.ps-text")).to_be_visible(timeout=15_000)  # link and all
    await page.add_script_tag(path=str(axe))
    # WCAG 2.x A and AA, the open shadow root included (axe walks into it).
    found = await page.evaluate(
        """() => axe.run(document, {runOnly: {type: "tag",
            values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}})
          .then(r => ({violations: r.violations.map(v => [v.id, v.nodes.map(n => n.target)]),
                       passes: r.passes.map(p => p.id)}))"""
    )
    assert found["violations"] == []
    assert "color-contrast" in found["passes"] and "button-name" in found["passes"]
