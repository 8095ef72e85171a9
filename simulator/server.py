"""A local Shopify the app talks to over HTTP without knowing it is a simulator.

`create_simulator` serves, under ``/shops/{shop}`` (so the app's Shopify base URL template is
``http://127.0.0.1:PORT/shops/{shop}``), Shopify's own paths: the OAuth authorize page and token
endpoint (`simulator.oauth`) and the GraphQL Admin API (`simulator.admin_api`, on the shops of
`simulator.state`). ``app.state.shopify`` is the `ShopifySimulator` (`simulator.shopify`).
"""

from __future__ import annotations

import asyncio
import html
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any
from urllib.parse import parse_qsl

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from simulator.oauth_records import OAuthError
from simulator.shopify import ShopifySimulator
from simulator.state import is_shop_domain

__all__ = ["create_simulator", "running_simulator"]


def _json(status: int, body: Any, **headers: str) -> Response:
    return Response(
        orjson.dumps(body),
        status_code=status,
        media_type="application/json; charset=utf-8",
        headers=headers,
    )


async def _form(request: Request) -> dict[str, Any]:
    """Token endpoint parameters: a JSON or form body, and the query string."""
    params: dict[str, Any] = dict(request.query_params)
    body = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            document = orjson.loads(body or b"{}")
        except orjson.JSONDecodeError:
            document = None
        if not isinstance(document, dict):
            raise OAuthError("invalid_request", "The request body is not a JSON object")
        return params | document
    return params | dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def _simulator(request: Request) -> ShopifySimulator:
    sim: ShopifySimulator = request.app.state.shopify
    return sim


def _not_found() -> Response:
    return _json(404, {"errors": "Not Found"})


async def _authorize(request: Request) -> Response:
    sim, shop = _simulator(request), request.path_params["shop"]
    if not is_shop_domain(shop):
        return _not_found()
    params = request.query_params
    client_id, redirect_uri = params.get("client_id", ""), params.get("redirect_uri", "")
    try:
        sim.oauth.check_authorize(client_id=client_id, redirect_uri=redirect_uri)
    except OAuthError as exc:
        message = html.escape(f"Oauth error {exc.error}: {exc.description}")
        return HTMLResponse(f"<!doctype html><h1>{message}</h1>", status_code=exc.status)
    per_user = "per-user" in params.getlist("grant_options[]")
    if params.get("auto") == "1":
        url = sim.authorize_redirect(
            shop,
            redirect_uri=redirect_uri,
            state=params.get("state"),
            scope=params.get("scope"),
            per_user=per_user,
        )
        return RedirectResponse(url, status_code=302)
    scopes = params.get("scope") or sim.oauth.scopes
    install = html.escape(f"{request.url}&auto=1")
    page = (
        "<!doctype html><html><head><title>Install app</title></head><body>"
        f"<h1>Install {html.escape(sim.app_handle)} on {html.escape(shop)}?</h1>"
        f"<p>scopes: {html.escape(scopes)}</p>"
        f'<p><a id="install" href="{install}">Install</a></p></body></html>'
    )
    return HTMLResponse(page)


async def _access_token(request: Request) -> Response:
    sim, shop = _simulator(request), request.path_params["shop"]
    if not is_shop_domain(shop):
        return _not_found()
    sim.shop(shop)
    try:
        return _json(200, sim.oauth.token(shop, await _form(request)))
    except OAuthError as exc:
        return _json(exc.status, exc.body())


async def _graphql(request: Request) -> Response:
    sim, shop = _simulator(request), request.path_params["shop"]
    if not is_shop_domain(shop):
        return _not_found()
    version = request.path_params["version"]
    status, body = sim.graphql(
        shop,
        version,
        request.headers.get("x-shopify-access-token"),
        await request.body(),
        request.headers.get("content-type", ""),
    )
    headers = {"X-Request-Id": str(uuid.uuid4()), "X-Shopify-API-Version": version}
    return _json(status, body, **headers)


def create_simulator(*, api_key: str, api_secret: str, **options: Any) -> Starlette:
    """The simulator as an ASGI app; its `ShopifySimulator` is ``app.state.shopify``.
    ``options`` are the simulator's other keyword arguments (``clock``, ``scopes``, token
    lifetimes, …: see `ShopifySimulator`)."""
    sim = ShopifySimulator(api_key=api_key, api_secret=api_secret, **options)
    app = Starlette(
        routes=[
            Route("/shops/{shop}/admin/oauth/authorize", _authorize, methods=["GET"]),
            Route("/shops/{shop}/admin/oauth/access_token", _access_token, methods=["POST"]),
            Route("/shops/{shop}/admin/api/{version}/graphql.json", _graphql, methods=["POST"]),
        ]
    )
    app.state.shopify = sim
    return app


class _Server(uvicorn.Server):
    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # leave Ctrl-C to the test runner


@asynccontextmanager
async def running_simulator(
    *, api_key: str, api_secret: str, **options: Any
) -> AsyncIterator[tuple[str, ShopifySimulator]]:
    """Serve a new simulator over real HTTP on a free 127.0.0.1 port, in the running event
    loop; yields (the Shopify base URL template with ``{shop}``, the simulator). ``options``
    are `create_simulator`'s."""
    app = create_simulator(api_key=api_key, api_secret=api_secret, **options)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        loop="none",
        http="h11",
        ws="none",
        lifespan="off",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        while not server.started:
            if task.done():
                await task
                raise RuntimeError("the Shopify simulator did not start")
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}/shops/{{shop}}", app.state.shopify
    finally:
        server.should_exit = True
        await task
        listener.close()
