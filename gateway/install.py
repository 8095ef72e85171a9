"""Non-embedded install (authorization-code grant): `/auth/install` → Shopify → `/auth/callback`.

The embedded path needs no route: the admin's first API call exchanges its session
token (`gateway.shops.Shops.ensure_installed`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from gateway.errors import BadRequest, Unauthorized
from gateway.openapi import Operation, documented
from gateway.shops import Shops
from proofstream.settings import Settings
from schemas import is_shop_domain
from schemas.api import AuthCallbackQuery, AuthInstallQuery, ErrorBody
from shopify_app.oauth import authorize_url, new_state, sign_state, unsign_state, verify_query_hmac

__all__ = ["Install", "routes"]

STATE_COOKIE = "proofstream_oauth_state"
STATE_TTL_S = 600


@dataclass
class Install:
    """Dependencies of the install routes, built in the gateway's lifespan."""

    settings: Settings
    shops: Shops

    @property
    def secret(self) -> str:
        return self.settings.shopify_api_secret.get_secret_value()


def _verified_shop(request: Request, install: Install) -> str:
    params = dict(request.query_params)
    shop = params.get("shop", "")
    if not is_shop_domain(shop):
        raise BadRequest("shop must be a name.myshopify.com domain")
    if not verify_query_hmac(params, secret=install.secret, now=time.time()):
        raise Unauthorized("invalid or stale request signature")
    return shop


@documented(
    Operation(
        "Non-embedded install: redirect to Shopify's authorize page",
        {302: None, 400: ErrorBody, 401: ErrorBody},
        query=AuthInstallQuery,
        tags=("shopify",),
    )
)
async def start(request: Request) -> Response:
    install: Install = request.app.state.install
    shop = _verified_shop(request, install)
    state = new_state()
    public_url = install.settings.public_url.rstrip("/")
    response = RedirectResponse(
        authorize_url(
            admin_url=install.settings.shopify_admin_url.format(shop=shop),
            api_key=install.settings.shopify_api_key,
            scopes=install.settings.shopify_scopes,
            redirect_uri=f"{public_url}/auth/callback",
            state=state,
        ),
        status_code=302,
    )
    response.set_cookie(
        STATE_COOKIE,
        sign_state(state, secret=install.secret),
        max_age=STATE_TTL_S,
        path="/auth",
        httponly=True,
        secure=public_url.startswith("https://"),
        samesite="lax",
    )
    return response


@documented(
    Operation(
        "Non-embedded install: exchange the code for an offline token",
        {302: None, 400: ErrorBody, 401: ErrorBody, 502: ErrorBody, 503: ErrorBody},
        query=AuthCallbackQuery,
        tags=("shopify",),
    )
)
async def callback(request: Request) -> Response:
    install: Install = request.app.state.install
    shop = _verified_shop(request, install)
    cookie = request.cookies.get(STATE_COOKIE, "")
    state = unsign_state(cookie, secret=install.secret, now=time.time(), max_age_s=STATE_TTL_S)
    if state is None or state != request.query_params.get("state"):
        raise Unauthorized("state does not match this browser's install request")
    # Single use, even if the cookie is replayed from another browser.
    if not await install.shops.store.claim_oauth_state(state, ttl_s=STATE_TTL_S):
        raise Unauthorized("this install request was already completed")
    code = request.query_params.get("code", "")
    if not code:
        raise BadRequest("missing code")
    grant = await install.shops.token_client.exchange_code(shop, code=code, now=datetime.now(UTC))
    await install.shops.install(shop, grant)
    response = RedirectResponse(f"/admin?shop={shop}", status_code=302)
    response.delete_cookie(STATE_COOKIE, path="/auth")
    return response


routes = [Route("/auth/install", start), Route("/auth/callback", callback)]
