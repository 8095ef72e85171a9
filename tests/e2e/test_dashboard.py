"""The merchant dashboard in Chromium, on the real stack: edit, preview, save, and see the
storefront's popups follow (dev mode: `?shop=` stands in for Shopify's session token)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    FrameLocator,
    Page,
    Route,
    ViewportSize,
    expect,
)

from schemas import ShopSettings, WidgetConfig
from simulator.orders import OrderFactory
from tests.conftest import Stack
from tests.fixtures import eventually, order_body, post_webhook

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
SAVED = "Saved — live on your storefront within seconds"
GRABBED = "{first_name} from {city} grabbed {product}"
SAMPLE = "Merino Wool Sweater"  # the product of agents/samples.py's sample order


async def no_app_bridge(route: Route) -> None:
    await route.abort()  # no internet here; the page must work without App Bridge


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(viewport=VIEWPORT, reduced_motion="reduce")
    await context.route("https://cdn.shopify.com/**", no_app_bridge)
    yield context
    # The dashboard's own requests (status, embed) may still be in flight through a route.
    await context.unroute_all(behavior="ignoreErrors")
    await context.close()


async def open_dashboard(context: BrowserContext, stack: Stack, shop: str) -> Page:
    page = await context.new_page()
    await page.goto(f"{stack.url}/admin?shop={shop}")
    await expect(page.locator("header")).to_contain_text(shop)
    # The sample order shows in the preview once settings loaded and the iframe is ready.
    await expect(preview_popup(page).locator(".ps-text")).to_contain_text(SAMPLE, timeout=10_000)
    return page


def preview_popup(page: Page) -> Any:
    frame: FrameLocator = page.frame_locator("#preview")
    return frame.locator("#proofstream-root .ps-popup.ps-in")


async def wait_for_config(stack: Stack, shop: str, **expected: Any) -> dict[str, Any]:
    """Poll the public config until the saved settings reached it through the pipeline."""
    deadline = time.monotonic() + 20
    async with httpx.AsyncClient(timeout=5) as client:
        while True:
            response = await client.get(f"{stack.url}/v1/storefront/{shop}/config")
            assert response.status_code == 200
            config: dict[str, Any] = response.json()
            if all(config.get(k) == v for k, v in expected.items()):
                return config
            assert time.monotonic() < deadline, f"config never became {expected}: {config}"
            await asyncio.sleep(0.2)


async def open_storefront(browser: Browser, stack: Stack, shop: str) -> Page:
    """A shopper's page in a context of its own (nothing cached from the dashboard)."""
    shopper = await browser.new_context(viewport=VIEWPORT, reduced_motion="reduce")
    page = await shopper.new_page()
    await page.goto(f"{stack.url}/demo/{shop}")
    await expect(page.locator("#proofstream-root")).to_have_attribute(
        "data-state", "ready", timeout=10_000
    )
    return page


async def post_order(stack: Stack, shop: str, *, seed: int, title: str) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        body = order_body(OrderFactory(seed=seed, shop=shop), title=title, first_name="Emma")
        response = await post_webhook(
            client, stack.webhook_url, secret=stack.secret, shop=shop, body=body
        )
        assert response.status_code == 200, response.text


async def test_edit_preview_save_and_the_storefront_follows(
    stack: Stack,
    context: BrowserContext,
    browser: Browser,
    shop: str,
    screenshot_path: Callable[[str], str],
) -> None:
    page = await open_dashboard(context, stack, shop)
    template = page.locator('input[name="templates"]').first

    # Live preview: the real renderer and the real widget, before anything is saved.
    await template.fill(GRABBED)
    await page.locator('select[name="position_desktop"]').select_option("top-right")
    popup = preview_popup(page)
    await expect(popup.locator(".ps-text")).to_have_text(f"Emma from Toronto grabbed {SAMPLE}")
    await expect(popup).to_have_class("ps-popup top-right m-bottom ps-in")
    frame_box = await page.locator("#preview").bounding_box()
    box = await popup.bounding_box()
    assert frame_box and box
    assert abs(box["y"] - frame_box["y"] - 16) <= 2, (box, frame_box)
    assert abs(box["x"] + box["width"] - (frame_box["x"] + frame_box["width"] - 16)) <= 2

    # An unknown placeholder: the error sits next to that template, and saving fails.
    await template.fill("{nope} grabbed {product}")
    error = page.locator('.field-error[data-field="templates.0"]')
    await expect(error).to_contain_text("unknown placeholder {nope}")
    await expect(template).to_have_attribute("aria-invalid", "true")
    error_id = await error.get_attribute("id")
    assert error_id and error_id in (await template.get_attribute("aria-describedby") or "")
    await page.click("#save")
    await expect(page.locator("#status")).to_contain_text("Not saved")
    await expect(error).to_be_visible()
    assert (await wait_for_config(stack, shop))["position_desktop"] == "bottom-left"

    # Fixed: the error goes away; saving succeeds.
    await template.fill(GRABBED)
    await expect(error).to_have_count(0)
    await expect(template).not_to_have_attribute("aria-invalid", "true")
    await page.click("#save")
    status = page.locator("#status[role=status]")
    await expect(status).to_have_text(SAVED)
    await wait_for_config(stack, shop, position_desktop="top-right")

    # A shopper sees the next order with the new template, top right.
    store = await open_storefront(browser, stack, shop)
    try:
        await post_order(stack, shop, seed=31, title="Blue Hoodie")
        shown = store.locator("#proofstream-root .ps-popup.ps-in")
        await expect(shown).to_be_visible(timeout=10_000)
        await expect(shown.locator(".ps-text")).to_contain_text("grabbed Blue Hoodie")
        box = await shown.bounding_box()
        assert box is not None
        assert box["y"] <= 24 and box["x"] + box["width"] >= VIEWPORT["width"] - 24, box
    finally:
        await store.context.close()

    # A test notification goes through the pipeline and shows in the recent list.
    await page.click("#send-test")
    await expect(status).to_have_text("Test notification sent")
    recent = page.locator("#recent")
    await expect(recent).to_contain_text(f"Emma from Toronto grabbed {SAMPLE}", timeout=15_000)
    await expect(recent).to_contain_text("grabbed Blue Hoodie")
    await page.screenshot(path=screenshot_path("dashboard.png"), full_page=True)


async def test_settings_of_one_shop_leave_another_alone(
    stack: Stack, context: BrowserContext, browser: Browser, shop: str
) -> None:
    other = "b-" + shop
    page = await open_dashboard(context, stack, shop)
    await page.locator('input[name="templates"]').first.fill("{first_name} snapped up {product}")
    await page.locator('select[name="position_desktop"]').select_option("top-left")
    await page.locator('input[name="corner_radius"]').fill("20")
    await page.click("#save")
    await expect(page.locator("#status")).to_have_text(SAVED)
    await wait_for_config(stack, shop, position_desktop="top-left", corner_radius=20)

    assert await wait_for_config(stack, other) == WidgetConfig().model_dump(mode="json")
    async with httpx.AsyncClient(timeout=5) as client:
        response = await client.get(f"{stack.url}/api/settings", params={"shop": other})
        assert response.status_code == 200
        assert response.json()["settings"] == ShopSettings().model_dump(mode="json")

    store = await open_storefront(browser, stack, other)
    try:
        await post_order(stack, other, seed=32, title="Forest Cap")
        shown = store.locator("#proofstream-root .ps-popup.ps-in")
        await expect(shown.locator(".ps-text")).to_contain_text("Forest Cap", timeout=10_000)
        await expect(shown.locator(".ps-text")).to_contain_text("just bought")
        assert "snapped up" not in (await shown.locator(".ps-text").text_content() or "")
        box = await shown.bounding_box()
        assert box is not None
        assert box["x"] <= 24 and box["y"] + box["height"] >= VIEWPORT["height"] - 24, box
    finally:
        await store.context.close()


async def test_embedded_dashboard_authenticates_with_the_session_token(
    stack: Stack, context: BrowserContext, shop: str
) -> None:
    token = "header.payload.signature"
    # What App Bridge provides inside the Shopify admin.
    await context.add_init_script(
        f"window.shopify = {{idToken: () => Promise.resolve({json.dumps(token)})}};"
    )
    seen: list[tuple[str, str | None]] = []

    async def as_dev(route: Route) -> None:
        # Record what the page sent, then let the dev-mode backend answer (verifying a real
        # token would need Shopify's token endpoint, which the test stack cannot reach).
        request = route.request
        seen.append((request.url, await request.header_value("authorization")))
        headers = {k: v for k, v in request.headers.items() if k != "authorization"}
        joiner = "&" if "?" in request.url else "?"
        response = await route.fetch(url=f"{request.url}{joiner}shop={shop}", headers=headers)
        await route.fulfill(response=response)

    await context.route(f"{stack.url}/api/**", as_dev)
    page = await open_dashboard(context, stack, shop)
    await expect(page.locator("#recent")).to_contain_text("No notifications yet")
    assert {url.split("?")[0].rsplit("/", 1)[-1] for url, _ in seen} >= {
        "settings",
        "preview",
        "notifications",
    }
    for url, authorization in seen:
        assert authorization == f"Bearer {token}", url
        assert "shop=" not in url, "the session token replaces ?shop="


async def test_the_record_pages_filters_and_moderates(
    stack: Stack, context: BrowserContext, shop: str, screenshot_path: Callable[[str], str]
) -> None:
    factory = OrderFactory(seed=61, shop=shop)
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        for n in range(22):
            order = factory.order()
            order["line_items"][0]["title"] = f"Item {n}"
            if n == 0:  # placed three hours ago: the panel says so
                placed = datetime.now(UTC) - timedelta(hours=3, minutes=5)
                order["created_at"] = placed.isoformat()
            response = await post_webhook(
                client,
                "/webhooks/shopify",
                secret=stack.secret,
                shop=shop,
                body=factory.body(order),
            )
            assert response.status_code == 200

        async def recorded() -> bool:
            listed = await client.get("/api/notifications", params={"shop": shop, "limit": 100})
            return len(listed.json()["notifications"]) == 22

        await eventually(recorded)

    page = await open_dashboard(context, stack, shop)
    rows = page.locator("#recent li[data-id]")
    await expect(rows).to_have_count(20)
    await expect(page.locator("#recent-newer")).to_be_disabled()
    await page.click("#recent-older")
    await expect(rows).to_have_count(2)
    oldest = rows.filter(has_text="Item 0")
    await expect(oldest.locator("time")).to_have_text("3 hours ago")
    await expect(oldest.locator(".delivered")).to_have_text(
        "delivered to 0 pages, 0 seen, 0 clicks"
    )
    await page.click("#recent-newer")
    await expect(rows).to_have_count(20)

    # Hide one: it says so at once on the page, and the filter finds it.
    first = rows.first
    hidden_id = await first.get_attribute("data-id")
    await first.get_by_role("button", name="Hide").click()
    await expect(page.locator("#status")).to_have_text("Hidden from your storefront")
    await expect(page.locator(f'#recent li[data-id="{hidden_id}"] .badge')).to_have_text(
        "Hidden", timeout=10_000
    )
    await page.locator("#recent-status").select_option("hidden")
    await expect(rows).to_have_count(1)
    await page.screenshot(path=screenshot_path("dashboard-record.png"))
    await rows.first.get_by_role("button", name="Show").click()
    await expect(page.locator("#recent .empty")).to_have_text("Nothing here.", timeout=10_000)

    # Delete one, after the confirmation.
    await page.locator("#recent-status").select_option("")
    page.once("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    doomed = rows.first
    doomed_id = await doomed.get_attribute("data-id")
    await doomed.get_by_role("button", name="Delete").click()
    await expect(page.locator(f'#recent li[data-id="{doomed_id}"]')).to_have_count(
        0, timeout=10_000
    )
