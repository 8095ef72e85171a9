"""The Shopify app over HTTP against the simulator, on PostgreSQL: install → token → order →
popup → refresh under concurrent use → uninstall → nothing streams → shop/redact erases."""

import asyncio

import httpx
import orjson
import pytest
from playwright.async_api import Browser, expect
from sqlalchemy import text

from simulator.catalogue import CATALOGUE, PRODUCTS_BY_ID
from simulator.followups import cancelled
from simulator.orders import OrderFactory
from storage.database import create_engine
from streams.redis import shop_keys, stream_key, widget_key_key
from tests.app_deployment import (
    API_KEY,
    App,
    app,
    eventually,
    install_by_oauth,
    recorded,
    rows,
    worker_logged,
)
from tests.conftest import SECRET, Stack
from tests.fixtures import open_stream, order_body, post_webhook, stream_entries
from tests.storage.conftest import POSTGRES_URL

__all__ = ["app"]

pytestmark = pytest.mark.integration


async def test_install_refresh_uninstall_redact(app: App, stack: Stack, shop: str) -> None:
    app.sim.add_shop(shop, embed_enabled=True, legacy_script_tags=2)
    async with httpx.AsyncClient(timeout=15) as client:
        done = await install_by_oauth(app, client, shop)
        assert done.status_code == 302 and done.headers["location"] == f"/admin?shop={shop}"
        grants = [r for r in app.sim.token_requests if r["shop"] == shop]
        assert [(r["grant"], r["expiring"]) for r in grants] == [("authorization_code", True)]
        assert (await rows(shop))["shop_sessions"] == 1
        # Tokens are encrypted at rest: the stored bytes hold no token Shopify issued.
        engine = create_engine(POSTGRES_URL)
        async with engine.connect() as connection:
            row = (
                await connection.execute(
                    text(
                        "SELECT CAST(access_token AS bytea), CAST(refresh_token AS bytea) "
                        "FROM shop_sessions WHERE shop = :s"
                    ),
                    {"s": shop},
                )
            ).one()
        await engine.dispose()
        stored = b"".join(bytes(column) for column in row)
        issued = {*app.sim.oauth.access_tokens, *app.sim.oauth.refresh_tokens}
        assert issued and not [t for t in issued if t.encode() in stored]
        assert b"shpat_" not in stored and b"shprt_" not in stored
        assert not app.sim.shop(shop).script_tags  # legacy script tags deleted on install

        # The app embed reads the widget key from an app-owned metafield; the storefront
        # routes refuse a wrong one.
        key = app.sim.shop(shop).app_metafields[("proofstream", "widget_key")]
        assert len(key) >= 20
        config = f"{app.url}/v1/storefront/{shop}/config"
        assert (await client.get(config, params={"key": key})).status_code == 200
        assert (await client.get(config, params={"key": "copied-elsewhere"})).status_code == 404
        # Redis lost the key (a restart): the install row in the database restores it.
        await app.redis.delete(widget_key_key(shop))
        assert (await client.get(config, params={"key": key})).status_code == 200
        assert await app.redis.get(widget_key_key(shop)) == key.encode()
        # A shop that never installed the app gets nothing (outside dev mode).
        never = f"never-{shop}"
        for route in ("config", "stream"):
            answer = await client.get(f"{app.url}/v1/storefront/{never}/{route}")
            assert answer.status_code == 404, route

        # The embedded admin: session token → embed status from the main theme.
        bearer = {"Authorization": f"Bearer {app.sim.session_token(shop)}"}
        status = (await client.get(f"{app.url}/api/embed-status", headers=bearer)).json()
        assert status["enabled"] is True
        assert status["activate_url"].endswith(f"activateAppId={API_KEY}/app-embed")

        # An order pops up.
        async with open_stream(f"{app.url}/v1/storefront/{shop}/stream") as stream:
            body = order_body(OrderFactory(seed=41, shop=shop), title="Installed Lamp")
            await post_webhook(client, app.webhook_url, secret=SECRET, shop=shop, body=body)
            assert (await stream.next(timeout=30)).json()["fields"]["product"] == "Installed Lamp"

            # The access token goes stale: concurrent admin calls share ONE refresh.
            await asyncio.sleep(2.5)
            before = len([r for r in app.sim.token_requests if r["grant"] == "refresh_token"])
            answers = await asyncio.gather(
                *(client.get(f"{app.url}/api/embed-status", headers=bearer) for _ in range(6))
            )
            assert [a.status_code for a in answers] == [200] * 6
            refreshes = [r for r in app.sim.token_requests if r["grant"] == "refresh_token"]
            assert len(refreshes) == before + 1

            # Uninstall: live clients get a goodbye and are closed; nothing streams after.
            payload = app.sim.uninstall(shop)
            for _ in range(2):  # Shopify may deliver it twice
                response = await app.sim.deliver_webhook(
                    shop=shop,
                    topic="app/uninstalled",
                    payload=payload,
                    endpoint=app.webhook_url,
                    client=client,
                )
                assert response.status_code == 200
            await stream.next("goodbye", timeout=20)
        assert (await rows(shop))["shop_sessions"] == 0
        assert (await client.get(f"{app.url}/v1/storefront/{shop}/stream")).status_code == 410
        assert (await client.get(f"{app.url}/v1/storefront/{shop}/config")).status_code == 410
        length = await app.redis.xlen(stream_key(shop))
        late = OrderFactory(seed=42, shop=shop)
        body = order_body(late, title="After Uninstall")
        await post_webhook(
            client,
            app.webhook_url,
            secret=SECRET,
            shop=shop,
            body=body,
            **{"X-Shopify-Webhook-Id": f"late-{shop}"},
        )
        # The sentinel: a cancel of the same shop is handled after it, and logged.
        cancel = orjson.dumps(cancelled(late.order()))
        await post_webhook(
            client,
            app.webhook_url,
            secret=SECRET,
            shop=shop,
            body=cancel,
            topic="orders/cancelled",
            **{"X-Shopify-Webhook-Id": f"sentinel-{shop}"},
        )
        await eventually(lambda: worker_logged(stack, f"sentinel-{shop}", "order_retracted"))
        assert await worker_logged(stack, f"late-{shop}", "render_skipped")
        assert await app.redis.xlen(stream_key(shop)) == length

        # shop/redact, 48 h later: no rows, no Redis keys.
        response = await app.sim.deliver_webhook(
            shop=shop,
            topic="shop/redact",
            payload=app.sim.shop_redact_payload(shop),
            endpoint=app.webhook_url,
            client=client,
        )
        assert response.status_code == 200

    async def erased() -> bool:
        keys = [k async for k in app.redis.scan_iter(match=shop_keys(shop), count=1000)]
        return not keys and not any((await rows(shop)).values())

    await eventually(erased)


async def test_install_seeds_the_catalogue_so_popups_show_their_product(
    app: App, shop: str
) -> None:
    app.sim.add_shop(shop, embed_enabled=True)
    async with httpx.AsyncClient(timeout=15) as client:
        await install_by_oauth(app, client, shop)

        async def seeded() -> bool:  # every page of the catalogue produced (in background)
            lines = app.gateway.log_path.read_text(errors="replace").splitlines()
            events = [orjson.loads(line) for line in lines if line.startswith("{")]
            return {"event": "catalogue_seeded", "shop": shop, "products": len(CATALOGUE)} in [
                {k: e.get(k) for k in ("event", "shop", "products")} for e in events
            ]

        await eventually(seeded)
        # Same shop, same partition: the seed is in the worker's table before this order.
        factory = OrderFactory(seed=43, shop=shop)
        order = factory.order()
        product = PRODUCTS_BY_ID[order["line_items"][0]["product_id"]]
        async with open_stream(f"{app.url}/v1/storefront/{shop}/stream") as stream:
            await post_webhook(
                client, app.webhook_url, secret=SECRET, shop=shop, body=factory.body(order)
            )
            shown = (await stream.next(timeout=30)).json()
    assert shown["product_url"] == f"/products/{product.handle}"
    assert shown["product_image"].startswith("https://cdn.shopify.com/")
    assert shown["product_image"].endswith(f"/{product.handle}.png")
    pages = [c for c in app.sim.graphql_calls if c["shop"] == shop and "products(" in c["query"]]
    assert len(pages) == -(-len(CATALOGUE) // 250)  # paged, 250 a page


async def test_embedded_install_and_customer_compliance(app: App, shop: str) -> None:
    app.sim.add_shop(shop, embed_enabled=None)
    async with httpx.AsyncClient(timeout=15) as client:
        bearer = {"Authorization": f"Bearer {app.sim.session_token(shop)}"}
        settings = await client.get(f"{app.url}/api/settings", headers=bearer)
        assert settings.status_code == 200 and settings.json()["shop"] == shop
        grants = [(r["grant"], r["expiring"]) for r in app.sim.token_requests if r["shop"] == shop]
        assert grants == [("token_exchange", True)]
        status = (await client.get(f"{app.url}/api/embed-status", headers=bearer)).json()
        assert status["enabled"] is False

        factory = OrderFactory(seed=43, shop=shop)
        orders = []
        async with open_stream(f"{app.url}/v1/storefront/{shop}/stream") as stream:
            for title, name in (("Kept", "Ana"), ("Redacted", "Zoë")):
                payload = factory.order()
                payload["line_items"][0]["title"] = title
                payload["customer"] = {**(payload["customer"] or {}), "first_name": name}
                orders.append(payload["id"])
                await post_webhook(
                    client, app.webhook_url, secret=SECRET, shop=shop, body=factory.body(payload)
                )
                await stream.next(timeout=30)

        # A data request reads the record: wait until the record agent has written both.
        await eventually(lambda: recorded(shop, 2))
        # What support checks first: installed, with an expiring token, embed off, 2 popups.
        status = (await client.get(f"{app.url}/api/status", headers=bearer)).json()
        assert status["installed"] is True and status["uninstalled_at"] is None
        assert status["scopes"] and status["offline_token_expires_at"] is not None
        assert (status["app_embed"], status["notifications_24h"]) == ("off", 2)
        assert status["dead_letters_24h"] == 0
        request = app.sim.customers_data_request_payload(shop, orders_requested=[orders[1]])
        redact = app.sim.customers_redact_payload(shop, orders_to_redact=[orders[1]])
        for topic, payload in (("customers/data_request", request), ("customers/redact", redact)):
            for _ in range(2):  # idempotent on redelivery
                response = await app.sim.deliver_webhook(
                    shop=shop, topic=topic, payload=payload, endpoint=app.webhook_url, client=client
                )
                assert response.status_code == 200

        async def kept() -> bool:
            entries = await stream_entries(app.redis, stream_key(shop))
            products = [orjson.loads(f[b"n"])["fields"]["product"] for _, f in entries]
            return products == ["Kept"]

        await eventually(kept)

    engine = create_engine(POSTGRES_URL)
    async with engine.connect() as connection:
        records = (
            await connection.execute(
                text("SELECT topic, details FROM compliance_records WHERE shop = :s ORDER BY id"),
                {"s": shop},
            )
        ).all()
    await engine.dispose()
    assert [topic for topic, _ in records] == ["customers/data_request", "customers/redact"]
    held = records[0][1] if isinstance(records[0][1], dict) else orjson.loads(records[0][1])
    assert held["held"][0]["first_name"] == "Zoë"
    redacted = records[1][1] if isinstance(records[1][1], dict) else orjson.loads(records[1][1])
    assert redacted["notifications_redacted"] == 1


async def test_dashboard_tells_whether_the_app_embed_is_on(
    app: App, browser: Browser, shop: str
) -> None:
    app.sim.add_shop(shop, embed_enabled=False)
    token = app.sim.session_token(shop, ttl_s=300)
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.route("https://cdn.shopify.com/**", lambda route: route.abort())
        # What App Bridge provides inside the Shopify admin.
        await page.add_init_script(f"window.shopify = {{idToken: async () => {token!r}}};")
        await page.goto(f"{app.url}/admin?shop={shop}")
        await expect(page.locator("#embed")).to_contain_text("Popups are off", timeout=15_000)
        link = page.locator("#embed-link")
        await expect(link).to_be_visible()
        assert f"activateAppId={API_KEY}/app-embed" in (await link.get_attribute("href") or "")
        app.sim.set_embed(shop, True)
        await page.reload()
        await expect(page.locator("#embed")).to_contain_text("Popups are on", timeout=15_000)
        await expect(link).to_be_hidden()
    finally:
        await context.close()
