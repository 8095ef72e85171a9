"""The widget alone in Chromium (`widget_server.py`): accessible and polite (one live region,
Escape, pauses, focus given back, the shopper's font size, a phone's screen), and resilient
(backoff, Retry-After, a stop for good, a page whose `load` a hanging server never delays).
"""

from __future__ import annotations

import time

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from proofstream.services import free_port
from tests.e2e.widget_server import (
    WidgetServer,
    config,
    context,
    eventually,
    notification,
    open_store,
    page,
    server,
)

__all__ = ["context", "page", "server"]

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

POPUP = "#proofstream-root .ps-popup"
REGION = '#proofstream-root [role="status"]'


async def test_one_polite_live_region_is_there_before_the_first_popup(
    server: WidgetServer, page: Page
) -> None:
    shop = server.add(config(first_delay_ms=1500), [notification("Emma bought a Lamp")])
    await open_store(page, server, shop)
    region = page.locator(REGION)
    await expect(region).to_have_count(1)
    await expect(region).to_have_attribute("aria-live", "polite")
    assert await region.locator(".ps-popup").count() == 0  # empty, and already announced
    await expect(region.locator(".ps-popup .ps-text")).to_have_text("Emma bought a Lamp")
    assert await page.locator(f'{POPUP}[role="status"]').count() == 0  # no region per popup


async def test_escape_takes_it_down_and_ends_the_visit(server: WidgetServer, page: Page) -> None:
    shop = server.add(
        config(display_ms=30_000), [notification("Noah bought a Mug"), notification("Later")]
    )
    await open_store(page, server, shop)
    await expect(page.locator(f"{POPUP} .ps-text")).to_have_text("Noah bought a Mug")
    await page.keyboard.press("Escape")
    await expect(page.locator(POPUP)).to_have_count(0)
    await eventually(lambda: page.evaluate("window.__proofstream.stopped === true"), True)
    assert len(await page.evaluate("window.__proofstream.shown")) == 1
    # The next page of the visit opens no stream at all: once its config is applied (the
    # widget decides right then), there is no root and no new stream request.
    streams = server.hits(shop, "stream")
    await page.goto(f"{server.url}/?shop={shop}")
    await eventually(lambda: page.evaluate("Boolean(window.__proofstream.config)"), True)
    assert await page.locator("#proofstream-root").count() == 0
    assert server.hits(shop, "stream") == streams


async def test_hover_and_focus_hold_the_popup_and_focus_goes_back(
    server: WidgetServer, page: Page
) -> None:
    shop = server.add(
        config(display_ms=1000, gap_ms=60_000),
        [notification("Mia bought a Scarf", product_url="https://example.com/scarf")],
    )
    await open_store(page, server, shop)
    popup = page.locator(POPUP)
    await expect(popup.locator(".ps-text")).to_have_text("Mia bought a Scarf")
    await popup.hover()
    await page.wait_for_timeout(1800)  # beyond display_ms: held while hovered
    await expect(popup).to_have_count(1)
    await page.mouse.move(5, 5)
    await expect(popup).to_have_count(0, timeout=3000)

    shop = server.add(
        config(display_ms=1000), [notification("Liam bought Boots", product_url="/boots")]
    )
    await open_store(page, server, shop)
    await expect(page.locator(f"{POPUP} a.ps-text")).to_be_visible()
    assert await page.evaluate("document.activeElement.tagName") == "BODY"  # never moved in
    await page.focus("#buy")
    await page.keyboard.press("Tab")  # into the popup's link
    assert await page.evaluate("document.activeElement.id") == "proofstream-root"
    await page.wait_for_timeout(1800)
    await expect(page.locator(POPUP)).to_have_count(1)  # held while focused
    await page.keyboard.press("Tab")  # the close button
    await page.keyboard.press("Enter")
    await expect(page.locator(POPUP)).to_have_count(0)
    assert await page.evaluate("document.activeElement.id") == "buy"  # given back


async def test_close_button_names_what_it_shows_and_says_what_it_does(
    server: WidgetServer, page: Page
) -> None:
    shop = server.add(config(locale="de"), [notification("Lena kaufte eine Tasse")])
    await open_store(page, server, shop)
    close = page.locator(f"{POPUP} .ps-close")
    await expect(close).to_have_text("×")
    await expect(close).to_have_accessible_name("Schließen")
    await expect(close).to_have_accessible_description(
        "Keine weiteren Benachrichtigungen bei diesem Besuch"
    )
    box = await close.bounding_box()
    assert box is not None and box["width"] >= 24 and box["height"] >= 24, box


async def test_text_follows_the_shoppers_font_size(server: WidgetServer, page: Page) -> None:
    sizes = []
    for root in ("16px", "32px", "10px"):
        shop = server.add(config(), [notification("Ava bought Socks")])
        await page.goto(f"{server.url}/?shop={shop}&root={root}")
        text = page.locator(f"{POPUP} .ps-text")
        await expect(text).to_be_visible()
        sizes.append(await text.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
        close = await page.locator(f"{POPUP} .ps-close").bounding_box()
        assert close is not None and close["width"] >= 24, (root, close)
    assert sizes[1] == 2 * sizes[0]  # rem: twice the root size, twice the text
    assert sizes[2] == 14  # a theme's 62.5 % root never makes it unreadable


async def test_on_a_phone_it_covers_little_and_reduced_motion_holds(
    server: WidgetServer, browser: Browser
) -> None:
    shop = server.add(config(), [notification("Olivia in Lyon just bought the Blue Hoodie")])
    phone = await browser.new_context(
        viewport={"width": 375, "height": 667}, reduced_motion="reduce"
    )
    try:
        page = await phone.new_page()
        await open_store(page, server, shop)
        popup = page.locator(f"{POPUP}.ps-in")
        await expect(popup).to_be_visible()
        box = await popup.bounding_box()
        assert box is not None
        assert box["width"] * box["height"] <= 0.15 * 375 * 667, box
        assert await popup.evaluate("e => getComputedStyle(e).transitionDuration") == "0s"
    finally:
        await phone.close()


async def test_reconnects_back_off_and_honour_retry_after(server: WidgetServer, page: Page) -> None:
    refusals = [(503, {"Retry-After": "3"}), (500, {}), (500, {})]
    shop = server.add(config(), [notification("Back again")], refusals=refusals)
    await page.goto(f"{server.url}/?shop={shop}")
    await expect(page.locator("#proofstream-root")).to_have_attribute(
        "data-state", "ready", timeout=15_000
    )  # once the fourth request streams
    times = server.hit_times(shop, "stream")
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(gaps) == 3, gaps
    assert gaps[0] >= 2.9, gaps  # Retry-After: 3
    # then 2 s and 4 s, each with jitter (half to all of it): growing, not 3 s apiece
    assert 0.95 <= gaps[1] <= 2.2 and 1.95 <= gaps[2] <= 4.2, gaps
    await expect(page.locator(f"{POPUP} .ps-text")).to_have_text("Back again")


async def test_404_and_410_stop_it_for_good(server: WidgetServer, page: Page) -> None:
    for status in (404, 410):
        shop = server.add(config(), refusals=[(status, {})])
        await page.goto(f"{server.url}/?shop={shop}")
        await eventually(lambda: page.evaluate("window.__proofstream.stopped === true"), True)
        assert server.hits(shop, "stream") == 1, status


async def test_a_hanging_server_never_delays_the_pages_load(
    server: WidgetServer, page: Page
) -> None:
    shop = server.add(config(), [notification("Never")])
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    started = time.monotonic()
    await page.goto(f"{server.url}/?shop={shop}&loader=1&api={server.url}/hang", timeout=5000)
    assert time.monotonic() - started < 5
    # The loader added the widget after `load`: its request hangs, the page is done.
    assert await page.evaluate("document.readyState") == "complete"
    await eventually(lambda: "/hang/widget.js" in server.requests, True)
    assert await page.locator("#proofstream-root").count() == 0 and errors == []


async def test_eight_tabs_share_one_stream_and_hand_it_over(
    server: WidgetServer, context: BrowserContext
) -> None:
    shop = server.add(config(display_ms=60_000), [notification("Shared by every tab")])
    tabs = [await context.new_page() for _ in range(8)]
    for tab in tabs:
        await open_store(tab, server, shop)  # "ready": the leader's stream is live
    for tab in tabs:
        await expect(tab.locator(f"{POPUP} .ps-text")).to_have_text("Shared by every tab")
    assert server.hits(shop, "stream") == 1  # not eight: the browser's six connections stay free
    leaders = [t for t in tabs if await t.evaluate("window.__proofstream.leading === true")]
    assert len(leaders) == 1
    await leaders[0].close()
    # Another tab takes over, from the last id the tabs saw (no backfill, no gap).
    await eventually(lambda: server.hits(shop, "stream"), 2)
    resumed = [q for q in server.queries if q.startswith(f"/v1/storefront/{shop}/stream")][-1]
    assert resumed.endswith("last_event_id=1-0"), resumed


async def test_an_unreachable_gateway_leaves_the_store_as_it_is(
    server: WidgetServer, page: Page
) -> None:
    shop = server.add(config(), [notification("Never shown")])
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    errors: list[str] = []
    console: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    await page.goto(f"{server.url}/?shop={shop}&api={closed}", timeout=5000)  # `load` fires
    await page.wait_for_timeout(4000)  # what a retry loop would fill with errors
    assert errors == [] and len(console) <= 1, console  # the one refused config request
    assert await page.locator("#proofstream-root").count() == 0
    assert server.hits(shop, "config") == 0  # it asked the gateway it was given
