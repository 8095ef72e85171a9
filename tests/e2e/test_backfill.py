"""Backfill on landing, on the real gateway, worker, broker and Redis: a visit's first page
view shows the shop's recent orders (paced, oldest first, within the shop's age limit);
the visit's later pages (two more navigations) never repeat one, and show what comes
next; popups of products the catalogue does not know have no image and no link."""

from datetime import timedelta

import httpx
import pytest
from playwright.async_api import Browser, Page
from redis.asyncio import Redis

from streams.redis import stream_key
from tests.conftest import Stack
from tests.e2e.shop import order, save_settings
from tests.fixtures import eventually, open_stream, product_is

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


async def shown(page: Page) -> list[str]:
    ids: list[str] = await page.evaluate("window.__proofstream ? window.__proofstream.shown : []")
    return ids


async def test_first_page_view_shows_recent_orders_and_later_pages_never_repeat(
    stack: Stack, browser: Browser, shop: str
) -> None:
    redis = Redis.from_url(stack.redis_url)
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        await save_settings(
            client,
            redis,
            shop,
            first_delay_ms=0,
            gap_ms=0,
            display_ms=1000,
            max_per_page=3,
            max_per_session=10,
        )
        ids = [
            await order(client, stack, shop, 40 + n, title, timedelta(minutes=30 - n))
            for n, title in enumerate(["Old Lamp", "Red Mug", "Blue Hoodie", "Green Cap"])
        ]
        await eventually(lambda: _published(redis, shop, 4))
        context = await browser.new_context(reduced_motion="reduce")
        try:
            page = await context.new_page()
            await page.goto(f"{stack.url}/demo/{shop}")
            # The three newest (max_per_page), oldest first, with no new order arriving.
            await eventually(lambda: _count(page, 3), timeout=20)
            assert await shown(page) == ids[1:]
            # None of these products is in the shop's catalogue: no image, no link.
            popups = page.locator("#proofstream-root .ps-popup")
            assert await popups.locator("a, img").count() == 0
            # The visit's next page: nothing replayed, then the next order (the sentinel).
            await page.goto(f"{stack.url}/demo/{shop}")
            await eventually(lambda: _ready(page))
            fresh = await order(client, stack, shop, 50, "Yellow Scarf", timedelta(0))
            await eventually(lambda: _count(page, 1), timeout=20)
            assert await shown(page) == [fresh]
            # And a third page: still nothing again, only what is new.
            await page.goto(f"{stack.url}/demo/{shop}")
            await eventually(lambda: _ready(page))
            newest = await order(client, stack, shop, 51, "Pink Socks", timedelta(0))
            await eventually(lambda: _count(page, 1), timeout=20)
            assert await shown(page) == [newest]
        finally:
            await context.close()
            await redis.aclose()


async def test_backfill_leaves_out_what_the_shop_now_hides_by_age(stack: Stack, shop: str) -> None:
    redis = Redis.from_url(stack.redis_url)
    try:
        async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
            await save_settings(client, redis, shop, hide_older_than_hours=3)
            await order(client, stack, shop, 60, "Two Hours Old", timedelta(hours=2))
            await order(client, stack, shop, 61, "Fresh Kettle", timedelta(0))
            await eventually(lambda: _published(redis, shop, 2))
            await save_settings(client, redis, shop, hide_older_than_hours=1)
        async with open_stream(f"{stack.url}/v1/storefront/{shop}/stream?backfill=5") as reader:
            before = await reader.until(product_is("Fresh Kettle"))  # the newest comes last
        titles = [e.json()["fields"]["product"] for e in before if e.event == "notification"]
        assert titles == ["Fresh Kettle"]
    finally:
        await redis.aclose()


async def _count(page: Page, n: int) -> bool:
    return len(await shown(page)) == n


async def _ready(page: Page) -> bool:
    state = await page.evaluate(
        "(document.getElementById('proofstream-root') || {getAttribute: () => null})"
        ".getAttribute('data-state')"
    )
    return bool(state == "ready")


async def _published(redis: Redis, shop: str, n: int) -> bool:
    return int(await redis.xlen(stream_key(shop))) == n
