"""The widget alone in Chromium, against a tiny local server (`widget_server.py`): it
honours the shop's settings."""

from __future__ import annotations

import json
import time
from typing import Any

from playwright.async_api import Browser, Page, expect

from tests.e2e.widget_server import (
    WidgetServer,
    config,
    context,
    eventually,
    notification,
    open_store,
    page,
    server,
    style,
)

__all__ = ["context", "page", "server"]


async def test_position_colours_radius_and_font(
    server: WidgetServer, page: Page, browser: Browser
) -> None:
    shop = server.add(
        config(
            position_desktop="top-right",
            position_mobile="top",
            background_color="#112233",
            text_color="#fafafa",
            accent_color="#ff8800",
            corner_radius=20,
            font_family="Georgia, serif",
        ),
        [notification("Emma bought a Lamp", product_url="https://example.com/lamp")],
    )
    await open_store(page, server, shop)
    popup = page.locator("#proofstream-root .ps-popup.ps-in")
    await expect(popup).to_be_visible()
    box = await popup.bounding_box()
    assert box is not None
    assert abs(box["y"] - 16) <= 2 and abs(box["x"] + box["width"] - (1000 - 16)) <= 2, box
    assert await popup.evaluate(style("backgroundColor")) == "rgb(17, 34, 51)"
    assert await popup.evaluate(style("color")) == "rgb(250, 250, 250)"
    assert await popup.evaluate(style("borderTopLeftRadius")) == "20px"
    assert "Georgia" in await popup.evaluate(style("fontFamily"))
    link = popup.locator("a.ps-text")
    assert await link.evaluate(style("color")) == "rgb(255, 136, 0)"  # accent = link colour
    await link.focus()
    assert await link.evaluate(style("outlineColor")) == "rgb(255, 136, 0)"  # and focus ring

    # Under 480 px wide: full width minus 16 px margins, at the mobile position (top).
    phone = await browser.new_context(
        viewport={"width": 400, "height": 700}, reduced_motion="reduce"
    )
    try:
        mobile = await phone.new_page()
        await open_store(mobile, server, shop)
        popup = mobile.locator("#proofstream-root .ps-popup.ps-in")
        await expect(popup).to_be_visible()
        box = await popup.bounding_box()
        assert box is not None
        assert abs(box["x"] - 16) <= 1 and abs(box["width"] - (400 - 32)) <= 1, box
        assert abs(box["y"] - 16) <= 2, box
    finally:
        await phone.close()


async def test_no_font_family_inherits_the_storefront_font_and_bottom_mobile(
    server: WidgetServer, browser: Browser
) -> None:
    shop = server.add(config(), [notification("Noah bought a Mug")])
    phone = await browser.new_context(
        viewport={"width": 400, "height": 700}, reduced_motion="reduce"
    )
    try:
        page = await phone.new_page()
        await open_store(page, server, shop)
        popup = page.locator("#proofstream-root .ps-popup.ps-in")
        await expect(popup).to_be_visible()
        body_font = await page.evaluate("getComputedStyle(document.body).fontFamily")
        assert "Trebuchet MS" in body_font
        assert await popup.evaluate(style("fontFamily")) == body_font
        box = await popup.bounding_box()
        assert box is not None
        assert abs(box["y"] + box["height"] - (700 - 16)) <= 2, box
    finally:
        await phone.close()


async def test_first_delay_is_respected(server: WidgetServer, page: Page) -> None:
    shop = server.add(config(first_delay_ms=2000), [notification("Mia bought a Scarf")])
    started = time.monotonic()
    await open_store(page, server, shop)
    popup = page.locator("#proofstream-root .ps-popup")
    await page.wait_for_timeout(max(0, 1200 - (time.monotonic() - started) * 1000))
    assert await popup.count() == 0, "shown before first_delay_ms"
    await expect(popup).to_be_visible(timeout=3_000)
    assert time.monotonic() - started >= 1.9


async def test_max_per_session_counts_across_page_loads(server: WidgetServer, page: Page) -> None:
    shop = server.add(
        config(max_per_page=2, max_per_session=3, display_ms=200),
        [notification(f"Order {i}") for i in range(5)],
    )
    key = f"proofstream:{shop}:shown"

    async def shown_settles_at(count: int) -> None:
        await eventually(lambda: page.evaluate("window.__proofstream.shown.length"), count)
        await page.wait_for_timeout(600)  # room for one too many
        assert await page.evaluate("window.__proofstream.shown.length") == count

    await open_store(page, server, shop)
    await shown_settles_at(2)  # max_per_page
    assert await page.evaluate(f"sessionStorage.getItem({json.dumps(key)})") == "2"

    await open_store(page, server, shop)  # same tab: the session goes on
    await shown_settles_at(1)
    assert await page.evaluate(f"sessionStorage.getItem({json.dumps(key)})") == "3"

    streams = server.hits(shop, "stream")
    await page.goto(f"{server.url}/?shop={shop}")
    await eventually(lambda: server.hits(shop, "config"), 3)
    await page.wait_for_timeout(300)
    assert server.hits(shop, "stream") == streams, "session exhausted: no stream at all"
    assert await page.evaluate("window.__proofstream.shown.length") == 0


async def test_path_rules_decide_whether_to_stream(server: WidgetServer, page: Page) -> None:
    shop = server.add(
        config(include_paths=["/products/*"], exclude_paths=["/products/secret*", "/cart"]),
        [notification("Liam bought Boots")],
    )
    for path in ("/cart", "/products/secret-boots", "/collections/all"):
        configs = server.hits(shop, "config")
        await page.goto(f"{server.url}{path}?shop={shop}")
        await eventually(lambda: server.hits(shop, "config"), configs + 1)
        await page.wait_for_timeout(300)
        assert await page.locator("#proofstream-root").count() == 0, path
    assert server.hits(shop, "config") == 3
    assert server.hits(shop, "stream") == 0, "excluded pages must not open a stream"

    await open_store(page, server, shop, "/products/boots")
    await expect(page.locator("#proofstream-root .ps-text")).to_have_text("Liam bought Boots")
    assert server.hits(shop, "stream") == 1


async def test_locale_fr_time_line(server: WidgetServer, page: Page) -> None:
    shop = server.add(config(locale="fr"), [notification("Chloé a acheté un Sac", minutes_ago=5.2)])
    await open_store(page, server, shop)
    popup = page.locator("#proofstream-root .ps-popup.ps-in")
    await expect(popup.locator(".ps-time")).to_have_text("il y a 5 minutes")
    await expect(popup).to_have_attribute("lang", "fr")
    await expect(popup.locator(".ps-close")).to_have_attribute("aria-label", "Fermer")


async def test_disabled_shows_nothing(server: WidgetServer, page: Page) -> None:
    shop = server.add(config(enabled=False), [notification("Ava bought Socks")])
    await page.goto(f"{server.url}/?shop={shop}")
    await eventually(lambda: server.hits(shop, "config"), 1)
    await page.wait_for_timeout(300)
    assert server.hits(shop, "stream") == 0
    assert await page.locator("#proofstream-root").count() == 0


async def test_preview_mode_renders_posted_notifications(server: WidgetServer, page: Page) -> None:
    shop = server.add(config())
    await page.goto(f"{server.url}/parent?shop={shop}")
    frame = page.frame_locator("#f")
    await expect(frame.locator("#proofstream-root")).to_have_attribute("data-state", "ready")
    iframe_box = await page.locator("#f").bounding_box()
    assert iframe_box is not None

    async def post(cfg: dict[str, Any], note: dict[str, Any]) -> None:
        message = {"type": "proofstream:preview", "config": cfg, "notification": note}
        await page.evaluate(
            "m => document.getElementById('f').contentWindow.postMessage(m, location.origin)",
            message,
        )

    first = notification(
        "Emma grabbed a Lamp",
        product_image=f"{server.url}/img.gif",
        product_url="https://example.com/lamp",
    )
    await post(config(position_desktop="top-left", background_color="#223344"), first)
    popup = frame.locator("#proofstream-root .ps-popup")
    await expect(popup.locator(".ps-text")).to_have_text("Emma grabbed a Lamp")
    await expect(popup).to_have_class("ps-popup top-left m-bottom ps-in")
    assert await popup.evaluate(style("backgroundColor")) == "rgb(34, 51, 68)"
    await expect(popup.locator("img.ps-img")).to_have_count(1)
    await expect(popup.locator("a.ps-text")).to_have_attribute("href", "https://example.com/lamp")
    box = await popup.bounding_box()
    assert box is not None
    assert abs(box["x"] - iframe_box["x"] - 16) <= 2 and abs(box["y"] - iframe_box["y"] - 16) <= 2

    second = notification(
        "Zoë à Lyon a acheté un Sac",
        minutes_ago=3,
        product_image=f"{server.url}/img.gif",
        product_url="javascript:alert(1)",
    )
    cfg = config(position_desktop="bottom-right", locale="fr", show_image=False, corner_radius=0)
    await post(cfg, second)
    await expect(popup).to_have_count(1)  # replaced, not stacked
    await expect(popup.locator(".ps-text")).to_have_text("Zoë à Lyon a acheté un Sac")
    await expect(popup.locator(".ps-time")).to_have_text("il y a 3 minutes")
    await expect(popup.locator("img")).to_have_count(0)
    await expect(popup.locator("a")).to_have_count(0)  # javascript: is never a link
    assert await popup.evaluate(style("borderTopLeftRadius")) == "0px"
    box = await popup.bounding_box()
    assert box is not None
    right = iframe_box["x"] + iframe_box["width"] - 16
    bottom = iframe_box["y"] + iframe_box["height"] - 16
    assert abs(box["x"] + box["width"] - right) <= 2 and abs(box["y"] + box["height"] - bottom) <= 2

    # Persistent: no auto-hide. And only the parent window may drive it.
    inner = page.frame(url=f"{server.url}/preview?shop={shop}")
    assert inner is not None
    await inner.evaluate(
        "m => window.postMessage(m, location.origin)",
        {"type": "proofstream:preview", "config": config(), "notification": notification("x")},
    )
    await page.wait_for_timeout(400)
    await expect(popup.locator(".ps-text")).to_have_text("Zoë à Lyon a acheté un Sac")
    assert server.hits(shop, "config") == 0 and server.hits(shop, "stream") == 0


async def test_the_app_embed_key_goes_with_every_request(server: WidgetServer, page: Page) -> None:
    shop = server.add(config())
    await page.goto(f"{server.url}/?shop={shop}&key=k3y-from-the-embed")
    await expect(page.locator("#proofstream-root")).to_have_attribute("data-state", "ready")
    sent = [q for q in server.queries if q.startswith(f"/v1/storefront/{shop}/")]
    assert sorted(sent) == [
        f"/v1/storefront/{shop}/config?key=k3y-from-the-embed",
        f"/v1/storefront/{shop}/stream?key=k3y-from-the-embed&backfill=10",  # max_per_page
    ]
