"""The widget on the real gateway, worker, broker and Redis, in Chromium: the shop's saved
settings (through `/api/settings`, dev mode) decide where, how, when and how often its
orders pop up on the demo storefront.

What needs a gateway that misbehaves or pages the gateway does not serve (path rules on
other paths, the preview's message origins, the embed's key, refusals and hangs) stays
on the small local server of `widget_server.py`."""

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect
from redis.asyncio import Redis

from streams.redis import stream_key
from tests.conftest import Stack
from tests.e2e.shop import linked_order, order, save_settings
from tests.fixtures import eventually

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

POPUP = "#proofstream-root .ps-popup.ps-in"


@dataclass
class Store:
    """A shop of the test's own on the session's stack."""

    stack: Stack
    shop: str
    client: httpx.AsyncClient
    redis: Redis
    browser: Browser

    async def settings(self, **changes: Any) -> None:
        await save_settings(self.client, self.redis, self.shop, **changes)

    async def order(self, seed: int, title: str) -> str:
        return await order(self.client, self.stack, self.shop, seed, title, timedelta(0))

    async def page(self, context: BrowserContext) -> Page:
        page = await context.new_page()
        await page.goto(f"{self.stack.url}/demo/{self.shop}")
        await expect(page.locator("#proofstream-root")).to_have_attribute(
            "data-state", "ready", timeout=10_000
        )
        return page


@pytest.fixture
async def store(stack: Stack, browser: Browser, shop: str) -> AsyncIterator[Store]:
    redis = Redis.from_url(stack.redis_url)
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        yield Store(stack, shop, client, redis, browser)
    await redis.aclose()


def style(prop: str) -> str:
    return f"e => getComputedStyle(e).{prop}"


async def test_position_colours_radius_font_and_the_phone_layout(store: Store) -> None:
    await store.settings(
        first_delay_ms=0,
        display_ms=30_000,
        position_desktop="top-right",
        position_mobile="top",
        background_color="#112233",
        text_color="#fafafa",
        accent_color="#ff8800",
        corner_radius=20,
        font_family="Georgia, serif",
    )
    desktop = await store.browser.new_context(
        viewport={"width": 1000, "height": 700}, reduced_motion="reduce"
    )
    phone = await store.browser.new_context(
        viewport={"width": 400, "height": 700}, reduced_motion="reduce"
    )
    try:
        page, mobile = await store.page(desktop), await store.page(phone)
        product_order = await linked_order(store.client, store.stack, store.shop, 81)
        popup = page.locator(POPUP)
        await expect(popup).to_have_attribute("data-id", product_order, timeout=15_000)
        box = await popup.bounding_box()
        assert box is not None
        assert abs(box["y"] - 16) <= 2 and abs(box["x"] + box["width"] - (1000 - 16)) <= 2, box
        assert await popup.evaluate(style("backgroundColor")) == "rgb(17, 34, 51)"
        assert await popup.evaluate(style("color")) == "rgb(250, 250, 250)"
        assert await popup.evaluate(style("borderTopLeftRadius")) == "20px"
        assert "Georgia" in await popup.evaluate(style("fontFamily"))
        link = popup.locator("a.ps-text")
        assert await link.evaluate(style("color")) == "rgb(255, 136, 0)"  # accent = link
        await link.focus()
        assert await link.evaluate(style("outlineColor")) == "rgb(255, 136, 0)"  # focus ring
        # Under 480 px wide: full width minus 16 px margins, at the mobile position (top).
        small = mobile.locator(POPUP)
        await expect(small).to_be_visible(timeout=15_000)
        box = await small.bounding_box()
        assert box is not None
        assert abs(box["x"] - 16) <= 1 and abs(box["width"] - (400 - 32)) <= 1, box
        assert abs(box["y"] - 16) <= 2, box
    finally:
        await desktop.close()
        await phone.close()


async def test_without_a_font_it_takes_the_storefronts_and_sits_at_the_bottom(
    store: Store,
) -> None:
    await store.settings(first_delay_ms=0, position_mobile="bottom")
    phone = await store.browser.new_context(
        viewport={"width": 400, "height": 700}, reduced_motion="reduce"
    )
    try:
        page = await store.page(phone)
        await store.order(82, "Noah's Mug")
        popup = page.locator(POPUP)
        await expect(popup).to_be_visible(timeout=15_000)
        body_font = await page.evaluate("getComputedStyle(document.body).fontFamily")
        assert await popup.evaluate(style("fontFamily")) == body_font
        box = await popup.bounding_box()
        assert box is not None
        assert abs(box["y"] + box["height"] - (700 - 16)) <= 2, box
    finally:
        await phone.close()


async def test_first_delay_then_the_visits_caps(store: Store) -> None:
    # Three recent orders wait in the stream; the page shows them paced by the settings.
    await store.settings(
        first_delay_ms=2500, display_ms=1000, gap_ms=0, max_per_page=2, max_per_session=3
    )
    ids = [await store.order(83 + n, f"Order {n}") for n in range(3)]
    await eventually(lambda: _stored(store, 3))
    context = await store.browser.new_context(reduced_motion="reduce")
    try:
        started = time.monotonic()
        page = await store.page(context)
        await eventually(lambda: _shown(page, 1), timeout=15)
        assert time.monotonic() - started >= 2.5  # not before first_delay_ms
        await eventually(lambda: _shown(page, 2), timeout=15)  # max_per_page: the newest 2
        assert await page.evaluate("window.__proofstream.shown") == ids[1:]
        assert await page.evaluate("window.__proofstream.stopped === true")  # the cap ends it
        # The visit's next page (same tab): nothing again, then the next order, which is
        # the session's third (max_per_session).
        await page.goto(f"{store.stack.url}/demo/{store.shop}")
        await expect(page.locator("#proofstream-root")).to_have_attribute("data-state", "ready")
        fourth = await store.order(86, "Order 3")
        await eventually(lambda: _shown(page, 1), timeout=15)
        assert await page.evaluate("window.__proofstream.shown") == [fourth]
        assert await page.evaluate("sessionStorage.getItem(" + _key(store) + ")") == "3"
        # Exhausted: the next page applies the config and opens no stream at all.
        await page.goto(f"{store.stack.url}/demo/{store.shop}")
        await eventually(lambda: page.evaluate("Boolean(window.__proofstream.config)"))
        assert await page.locator("#proofstream-root").count() == 0
    finally:
        await context.close()


async def test_french_time_line_and_close_button(store: Store) -> None:
    await store.settings(first_delay_ms=0, locale="fr")
    context = await store.browser.new_context()
    try:
        page = await store.page(context)
        await store.order(90, "Sac")
        popup = page.locator(POPUP)
        await expect(popup.locator(".ps-time")).to_have_text("maintenant", timeout=15_000)
        await expect(popup).to_have_attribute("lang", "fr")
        await expect(popup.locator(".ps-close")).to_have_attribute("aria-label", "Fermer")
    finally:
        await context.close()


async def test_disabled_shows_nothing_and_opens_no_stream(store: Store) -> None:
    await store.settings(enabled=False)
    context = await store.browser.new_context()
    try:
        page = await context.new_page()
        await page.goto(f"{store.stack.url}/demo/{store.shop}")
        await eventually(lambda: page.evaluate("Boolean(window.__proofstream.config)"))
        assert await page.locator("#proofstream-root").count() == 0
    finally:
        await context.close()


async def _shown(page: Page, n: int) -> bool:
    return len(await page.evaluate("window.__proofstream.shown")) == n


async def _stored(store: Store, n: int) -> bool:
    return int(await store.redis.xlen(stream_key(store.shop))) == n


def _key(store: Store) -> str:
    return f"'proofstream:{store.shop}:shown'"
