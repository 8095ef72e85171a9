"""The widget in Chromium against the small local server of `widget_server.py`, for what
the real gateway cannot stage: path rules on pages other than the demo's, the dashboard
preview's message origins, the app embed's widget key (settings on the real gateway:
`test_widget_settings_live.py`)."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page, expect

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
