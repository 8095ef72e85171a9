"""A tiny local server for the widget alone in Chromium (http.server in a thread): it serves
the widget as built from `widget/proofstream.js` (what the gateway serves) and the app
embed's loader, a storefront page, a config
of the test's choosing per shop, and an SSE stream that says `ready` and then sends that
shop's notifications, after the refusals a scenario asks for. No broker, Redis or gateway:
these tests take a few seconds. The fixtures `server`, `context` and `page` go with it.
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

DIST = ROOT / "widget" / "dist"
LOADER = ROOT / "extensions" / "proofstream-embed" / "assets" / "proofstream-loader.js"
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>html {{ font-size: {root}; }} body {{ margin: 0; font-family: "Trebuchet MS", serif; }}
</style></head>
<body><h1>Store</h1><button id="buy">Add to cart</button>
{script}</body></html>"""
SCRIPT = """<script async src="{src}" data-shop="{shop}"{extra}></script>"""
# The app embed's loader, as the theme block writes it; `api` may point at a path that hangs.
LOADED = """<script src="/loader.js" data-shop="{shop}" data-api="{api}"></script>"""
PARENT = """<!doctype html><html lang="en"><head><meta charset="utf-8"></head>
<body style="margin:0"><iframe id="f" src="/preview?shop={shop}" title="preview"
style="display:block;width:600px;height:400px;border:0"></iframe></body></html>"""


@dataclass
class Scenario:
    config: dict[str, Any]
    notifications: list[dict[str, Any]] = field(default_factory=list)
    # How the first stream requests are answered instead of streaming: (status, headers).
    refusals: list[tuple[int, dict[str, str]]] = field(default_factory=list)


class WidgetServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.scenarios: dict[str, Scenario] = {}
        self.requests: list[str] = []
        self.queries: list[str] = []  # path?query of every request
        self.times: list[tuple[str, float]] = []  # (path, time.monotonic()) of every request
        self.stopping = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def add(
        self,
        config: dict[str, Any],
        notifications: list[dict[str, Any]] | None = None,
        refusals: list[tuple[int, dict[str, str]]] | None = None,
    ) -> str:
        shop = f"w-{uuid.uuid4().hex[:10]}.myshopify.com"
        self.scenarios[shop] = Scenario(config, notifications or [], refusals or [])
        return shop

    def hits(self, shop: str, kind: str) -> int:
        return sum(1 for path in self.requests if path == f"/v1/storefront/{shop}/{kind}")

    def hit_times(self, shop: str, kind: str) -> list[float]:
        return [t for path, t in self.times if path == f"/v1/storefront/{shop}/{kind}"]


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
        self.server.times.append((url.path, time.monotonic()))
        params = parse_qs(url.query)
        shop = params.get("shop", [""])[0]
        parts = url.path.strip("/").split("/")
        if url.path == "/widget.js":
            self.send(built_widget(), "application/javascript")
        elif url.path == "/preview.js":  # the dashboard's live preview build
            self.send(built_widget(preview=True), "application/javascript")
        elif url.path == "/loader.js":
            self.send(LOADER.read_bytes(), "application/javascript")
        elif url.path == "/hang/widget.js":  # a proofstream server that never answers
            self.server.stopping.wait()
        elif url.path == "/img.gif":
            self.send(GIF, "image/gif")
        elif url.path == "/parent":
            self.send(PARENT.format(shop=shop).encode(), "text/html; charset=utf-8")
        elif url.path == "/preview":
            html = page_html(SCRIPT.format(src="/preview.js", shop=shop, extra=""))
            self.send(html.encode(), "text/html; charset=utf-8")
        elif parts[:2] == ["v1", "storefront"] and len(parts) == 4:
            scenario = self.server.scenarios.get(parts[2])
            if scenario is None:
                self.send(b'{"error": "unknown shop"}', "application/json", 404)
            elif parts[3] == "config":
                self.send(json.dumps(scenario.config).encode(), "application/json")
            elif parts[3] == "stream" and scenario.refusals:
                status, headers = scenario.refusals.pop(0)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif parts[3] == "stream":
                self.stream(scenario)
        else:  # any other path is a storefront page of the shop in ?shop= (and ?key=)
            key = params.get("key", [""])[0]
            if "loader" in params:  # through the app embed's loader, from ?api=
                script = LOADED.format(shop=shop, api=params.get("api", [self.server.url])[0])
            else:
                extra = f' data-key="{key}"' if key else ""
                if "api" in params:  # another gateway than this server
                    extra += f' data-api="{params["api"][0]}"'
                script = SCRIPT.format(src="/widget.js", shop=shop, extra=extra)
            html = page_html(script, root=params.get("root", ["100%"])[0])
            self.send(html.encode(), "text/html; charset=utf-8")

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


def built_widget(*, preview: bool = False) -> bytes:
    """What the gateway serves: the minified build, or the preview's (`scripts/dev test`
    makes them)."""
    manifest = json.loads((DIST / "manifest.json").read_text())
    name = str((manifest["preview"] if preview else manifest)["name"])
    return (DIST / name).read_bytes()


def page_html(script: str, *, root: str = "100%") -> str:
    """A storefront page with `script`; `root`, the root font size (a shopper's setting)."""
    return PAGE.format(script=script, root=root)


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
