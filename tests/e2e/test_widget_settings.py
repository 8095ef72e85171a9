"""The widget alone in Chromium, against a tiny local server: it honours the shop's settings.

The server (http.server in a thread) serves the real `widget/proofstream.js`, a config of
the test's choosing per shop, and an SSE stream that says `ready` and then sends that
shop's notifications. No broker, Redis or gateway: these tests take a few seconds.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.conftest import ROOT

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

WIDGET = ROOT / "widget" / "proofstream.js"
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body {{ margin: 0; font-family: "Trebuchet MS", serif; }}</style></head>
<body><h1>Store</h1>
<script async src="/widget.js" data-shop="{shop}"{extra}></script></body></html>"""
PARENT = """<!doctype html><html lang="en"><head><meta charset="utf-8"></head>
<body style="margin:0"><iframe id="f" src="/preview?shop={shop}" title="preview"
style="display:block;width:600px;height:400px;border:0"></iframe></body></html>"""


@dataclass
class Scenario:
    config: dict[str, Any]
    notifications: list[dict[str, Any]] = field(default_factory=list)


class WidgetServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.scenarios: dict[str, Scenario] = {}
        self.requests: list[str] = []
        self.queries: list[str] = []  # path?query of every request
        self.stopping = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def add(self, config: dict[str, Any], notifications: list[dict[str, Any]] | None = None) -> str:
        shop = f"w-{uuid.uuid4().hex[:10]}.myshopify.com"
        self.scenarios[shop] = Scenario(config, notifications or [])
        return shop

    def hits(self, shop: str, kind: str) -> int:
        return sum(1 for path in self.requests if path == f"/v1/storefront/{shop}/{kind}")


class Handler(BaseHTTPRequestHandler):
    server: WidgetServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    def send(self, body: bytes, content_type: str, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        url = urlsplit(self.path)
        self.server.requests.append(url.path)
        self.server.queries.append(self.path)
        shop = parse_qs(url.query).get("shop", [""])[0]
        parts = url.path.strip("/").split("/")
        if url.path == "/widget.js":
            self.send(WIDGET.read_bytes(), "application/javascript")
        elif url.path == "/img.gif":
            self.send(GIF, "image/gif")
        elif url.path == "/parent":
            self.send(PARENT.format(shop=shop).encode(), "text/html; charset=utf-8")
        elif url.path == "/preview":
            html = PAGE.format(shop=shop, extra=" data-preview")
            self.send(html.encode(), "text/html; charset=utf-8")
        elif parts[:2] == ["v1", "storefront"] and len(parts) == 4:
            scenario = self.server.scenarios.get(parts[2])
            if scenario is None:
                self.send(b'{"error": "unknown shop"}', "application/json", 404)
            elif parts[3] == "config":
                self.send(json.dumps(scenario.config).encode(), "application/json")
            elif parts[3] == "stream":
                self.stream(scenario)
        else:  # any other path is a storefront page of the shop in ?shop= (and ?key=)
            key = parse_qs(url.query).get("key", [""])[0]
            extra = f' data-key="{key}"' if key else ""
            self.send(PAGE.format(shop=shop, extra=extra).encode(), "text/html; charset=utf-8")

    def stream(self, scenario: Scenario) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        frames = [b"retry: 60000\nevent: ready\ndata: {}\n\n"]
        for i, notification in enumerate(scenario.notifications):
            data = json.dumps(notification).encode()
            frames.append(b"id: %d-0\nevent: notification\ndata: %s\n\n" % (i + 1, data))
        try:
            self.wfile.write(b"".join(frames))
            self.wfile.flush()
            while not self.server.stopping.wait(0.5):
                self.wfile.write(b": ping\n\n")
                self.wfile.flush()
        except OSError:
            pass


def notification(text: str, *, minutes_ago: float = 0, **extra: Any) -> dict[str, Any]:
    occurred = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return {
        "id": f"n-{uuid.uuid4().hex[:8]}",
        "kind": "order",
        "text": text,
        "fields": {},
        "product_image": None,
        "product_url": None,
        "occurred_at": occurred.isoformat(),
        **extra,
    }


def config(**overrides: Any) -> dict[str, Any]:
    """A WidgetConfig (schemas/settings.py) that shows popups at once, for fast tests."""
    return {
        "enabled": True,
        "locale": "en",
        "position_desktop": "bottom-left",
        "position_mobile": "bottom",
        "background_color": "#ffffff",
        "text_color": "#1a1a1a",
        "accent_color": "#005fcc",
        "corner_radius": 8,
        "font_family": None,
        "show_image": True,
        "link_to_product": True,
        "first_delay_ms": 0,
        "gap_ms": 0,
        "display_ms": 6000,
        "max_per_page": 10,
        "max_per_session": 30,
        "include_paths": [],
        "exclude_paths": [],
        **overrides,
    }


@pytest.fixture(scope="module")
def server() -> Iterator[WidgetServer]:
    httpd = WidgetServer()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.stopping.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    # Reduced motion: no slide-in, so boxes are measured where they end up.
    context = await browser.new_context(
        viewport={"width": 1000, "height": 700}, reduced_motion="reduce"
    )
    yield context
    await context.close()


@pytest.fixture
async def page(context: BrowserContext) -> Page:
    return await context.new_page()


async def open_store(page: Page, server: WidgetServer, shop: str, path: str = "/") -> None:
    await page.goto(f"{server.url}{path}?shop={shop}")
    await expect(page.locator("#proofstream-root")).to_have_attribute(
        "data-state", "ready", timeout=5_000
    )


async def eventually(probe: Callable[[], Any], expected: Any, timeout_s: float = 5) -> None:
    """Poll `probe` (sync or async) until it returns `expected`."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if inspect.isawaitable(value):
            value = await value
        if value == expected:
            return
        assert time.monotonic() < deadline, f"still {value!r}, expected {expected!r}"
        await asyncio.sleep(0.05)


def style(prop: str) -> str:
    return f"e => getComputedStyle(e).{prop}"


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
    await expect(popup.locator(".ps-close")).to_have_attribute(
        "aria-label", "Fermer la notification"
    )


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
    shop = server.add({"first_delay_ms": 0})
    await page.goto(f"{server.url}/?shop={shop}&key=k3y-from-the-embed")
    await expect(page.locator("#proofstream-root")).to_have_attribute("data-state", "ready")
    sent = [q for q in server.queries if q.startswith(f"/v1/storefront/{shop}/")]
    assert sorted(sent) == [
        f"/v1/storefront/{shop}/config?key=k3y-from-the-embed",
        f"/v1/storefront/{shop}/stream?key=k3y-from-the-embed",
    ]
