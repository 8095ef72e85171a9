"""The local Shopify: OAuth, token exchange and refresh, the GraphQL Admin API, webhooks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import httpx
import jwt
import orjson
import pytest
from starlette.applications import Starlette

from simulator.oauth_records import query_hmac
from simulator.server import create_simulator, running_simulator
from simulator.shopify import ShopifySimulator

API_KEY = "proofstream-test-client-id"
SECRET = "shpss_0123456789abcdef0123456789abcdef"
SHOP = "demo-shop.myshopify.com"
OTHER_SHOP = "other-shop.myshopify.com"
REDIRECT = "https://app.example/auth/callback"
VERSION = "2026-10"
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"
OFFLINE = "urn:shopify:params:oauth:token-type:offline-access-token"
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
T0 = 1_790_000_000.0

EMBED_QUERY = """
query Embed {
  themes(first: 1, roles: [MAIN]) {
    nodes {
      id name role
      files(filenames: ["config/settings_data.json"], first: 1) {
        nodes { filename body { ... on OnlineStoreThemeFileBodyText { content } } }
      }
    }
  }
}
"""
SCRIPT_TAGS = "{ scriptTags(first: 50) { nodes { id src } } }"
SCRIPT_TAG_DELETE = """
mutation Delete($id: ID!) {
  scriptTagDelete(id: $id) { deletedScriptTagId userErrors { field message } }
}
"""
WEBHOOKS = "{ webhookSubscriptions(first: 50) { nodes { id topic uri } } }"
WEBHOOK_CREATE = """
mutation Subscribe($topic: WebhookSubscriptionTopic!, $uri: String!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {uri: $uri, format: JSON}) {
    webhookSubscription { id topic uri }
    userErrors { field message }
  }
}
"""


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(clock: Clock) -> Starlette:
    return create_simulator(
        api_key=API_KEY,
        api_secret=SECRET,
        clock=clock,
        scopes="read_orders,read_products,read_themes,write_script_tags",
    )


@pytest.fixture
def sim(app: Starlette) -> ShopifySimulator:
    simulator: ShopifySimulator = app.state.shopify
    return simulator


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://shopify.test") as c:
        yield c


def token_url(shop: str = SHOP) -> str:
    return f"/shops/{shop}/admin/oauth/access_token"


async def token_request(
    client: httpx.AsyncClient, shop: str = SHOP, **params: Any
) -> httpx.Response:
    body = {"client_id": API_KEY, "client_secret": SECRET, **params}
    return await client.post(token_url(shop), json=body)


def exchange_fields(subject: str, **params: Any) -> dict[str, Any]:
    """The token endpoint's fields that exchange session token ``subject`` for an expiring
    offline token; ``params`` replace or add fields."""
    fields = {
        "client_id": API_KEY,
        "client_secret": SECRET,
        "grant_type": EXCHANGE,
        "subject_token": subject,
        "subject_token_type": ID_TOKEN,
        "requested_token_type": OFFLINE,
        "expiring": 1,
    }
    return fields | params


async def exchange(
    client: httpx.AsyncClient, subject: str, shop: str = SHOP, **params: Any
) -> httpx.Response:
    return await client.post(token_url(shop), json=exchange_fields(subject, **params))


async def refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await token_request(client, grant_type="refresh_token", refresh_token=refresh_token)


async def graphql(
    client: httpx.AsyncClient,
    token: str | None,
    query: str,
    shop: str = SHOP,
    **variables: Any,
) -> httpx.Response:
    headers = {} if token is None else {"X-Shopify-Access-Token": token}
    return await client.post(
        f"/shops/{shop}/admin/api/{VERSION}/graphql.json",
        json={"query": query, "variables": variables},
        headers=headers,
    )


def independent_hmac(query: str, secret: str) -> tuple[str, str]:
    """(hmac sent, hmac computed) as Shopify's Node library computes it: the other
    parameters sorted and percent-encoded (`URLSearchParams`, spaces as %20)."""
    pairs = dict(parse_qsl(query, keep_blank_values=True))
    sent = pairs.pop("hmac")
    message = "&".join(
        f"{quote(k, safe='*').replace('~', '%7E')}={quote(v, safe='*').replace('~', '%7E')}"
        for k, v in sorted(pairs.items())
    )
    return sent, hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def settings_data(response: httpx.Response) -> dict[str, Any]:
    theme = response.json()["data"]["themes"]["nodes"][0]
    content = theme["files"]["nodes"][0]["body"]["content"]
    assert content.startswith("/*")  # Shopify's auto-generated header: not plain JSON
    document: dict[str, Any] = orjson.loads(re.sub(r"^/\*.*?\*/", "", content, flags=re.S))
    return document


# --- authorization code grant -------------------------------------------------------------------


def test_query_hmac_matches_published_vectors() -> None:
    params = {
        "code": "0907a61c0c8d55e99db179b68161bc00",
        "shop": "some-shop.myshopify.com",
        "timestamp": "1337178173",
    }
    assert query_hmac(params, "hush") == (
        "4712bf92ffc2917d15a2f5a273e39f0116667419aa4b6ac0b3baaf26fa3c4d20"
    )
    assert query_hmac(params | {"state": "0.6784241404160823"}, "hush") == (
        "700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf"
    )


async def test_authorize_redirect_is_signed_and_code_is_single_use(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    query = {
        "client_id": API_KEY,
        "scope": "read_orders,read_themes",
        "redirect_uri": REDIRECT,
        "state": "n0nce&50%=ok",
        "auto": "1",
    }
    response = await client.get(f"/shops/{SHOP}/admin/oauth/authorize?{urlencode(query)}")
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    params = dict(parse_qsl(location.query))
    assert set(params) == {"code", "hmac", "host", "shop", "state", "timestamp"}
    assert params["shop"] == SHOP and params["state"] == "n0nce&50%=ok"
    assert params["timestamp"] == str(int(T0))
    padded = params["host"] + "=" * (-len(params["host"]) % 4)
    assert base64.urlsafe_b64decode(padded) == b"admin.shopify.com/store/demo-shop"
    sent, computed = independent_hmac(location.query, SECRET)
    assert hmac.compare_digest(sent, computed)

    first = await token_request(client, code=params["code"])
    assert first.status_code == 200
    assert first.json() == {"access_token": first.json()["access_token"], "scope": query["scope"]}
    assert first.json()["access_token"].startswith("shpat_")
    again = await token_request(client, code=params["code"])
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_request"


async def test_authorization_code_expiring_and_code_expiry(
    client: httpx.AsyncClient, sim: ShopifySimulator, clock: Clock
) -> None:
    url = sim.authorize_redirect(SHOP, redirect_uri=REDIRECT, state="s")
    code = dict(parse_qsl(urlsplit(url).query))["code"]
    body = (await token_request(client, code=code, expiring=1)).json()
    assert set(body) == {
        "access_token",
        "scope",
        "expires_in",
        "refresh_token",
        "refresh_token_expires_in",
    }
    assert body["expires_in"] == 3600 and body["refresh_token_expires_in"] == 7_776_000
    assert body["refresh_token"].startswith("shprt_")

    late = dict(parse_qsl(urlsplit(sim.authorize_redirect(SHOP, redirect_uri=REDIRECT)).query))
    clock.advance(61)
    expired = await token_request(client, code=late["code"])
    assert expired.status_code == 400 and expired.json()["error"] == "invalid_request"
    wrong_shop = dict(
        parse_qsl(urlsplit(sim.authorize_redirect(SHOP, redirect_uri=REDIRECT)).query)
    )
    elsewhere = await token_request(client, OTHER_SHOP, code=wrong_shop["code"])
    assert elsewhere.status_code == 400


async def test_authorize_page_and_errors(client: httpx.AsyncClient, sim: ShopifySimulator) -> None:
    base = f"/shops/{SHOP}/admin/oauth/authorize"
    query = {"client_id": API_KEY, "scope": "read_orders", "redirect_uri": REDIRECT, "state": "x"}
    page = await client.get(f"{base}?{urlencode(query)}")
    assert page.status_code == 200
    assert f"Install proofstream on {SHOP}?" in page.text and "read_orders" in page.text
    bad = await client.get(f"{base}?{urlencode(query | {'client_id': 'nope'})}")
    assert bad.status_code == 400
    sim.allow_redirect_uris(["https://app.example/other"])
    assert (await client.get(f"{base}?{urlencode(query)}")).status_code == 400
    assert (
        await client.get(f"/shops/not-a-shop/admin/oauth/authorize?{urlencode(query)}")
    ).status_code == 404


async def test_token_endpoint_accepts_form_bodies_and_checks_the_client(
    client: httpx.AsyncClient, sim: ShopifySimulator
) -> None:
    form = exchange_fields(sim.session_token(SHOP), expiring="1")
    ok = await client.post(token_url(), data=form)
    assert ok.status_code == 200 and "refresh_token" in ok.json()
    forged = await client.post(token_url(), data=form | {"client_secret": "shpss_wrong"})
    assert forged.status_code == 400
    assert forged.json() == {
        "error": "invalid_client",
        "error_description": forged.json()["error_description"],
    }


# --- token exchange -----------------------------------------------------------------------------


async def test_token_exchange_with_a_valid_session_token(
    client: httpx.AsyncClient, sim: ShopifySimulator
) -> None:
    token = sim.session_token(SHOP, user_id="42")
    claims = jwt.decode(
        token, SECRET, algorithms=["HS256"], audience=API_KEY, options={"verify_exp": False}
    )
    assert claims["iss"] == f"https://{SHOP}/admin" and claims["dest"] == f"https://{SHOP}"
    assert claims["sub"] == "42" and claims["exp"] - claims["iat"] == 60
    assert {"nbf", "jti", "sid"} <= set(claims)

    expiring = await exchange(client, token)
    assert expiring.status_code == 200
    assert expiring.json()["expires_in"] == 3600
    assert expiring.json()["scope"] == "read_orders,read_products,read_themes,write_script_tags"
    permanent = await exchange(client, token, expiring=0)
    assert set(permanent.json()) == {"access_token", "scope"}
    assert [r["grant"] for r in sim.token_requests] == ["token_exchange", "token_exchange"]


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda sim: sim.session_token(SHOP, secret="shpss_" + "f" * 32), id="forged"),
        pytest.param(lambda sim: sim.session_token(SHOP, aud="someone-else"), id="wrong-aud"),
        pytest.param(lambda sim: sim.session_token(OTHER_SHOP), id="other-shop"),
        pytest.param(lambda sim: "not.a.jwt", id="garbage"),
    ],
)
async def test_token_exchange_rejects_bad_session_tokens(
    client: httpx.AsyncClient, sim: ShopifySimulator, make: Any
) -> None:
    response = await exchange(client, make(sim))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_subject_token"
    assert sim.token_requests[-1]["status"] == 400


async def test_token_exchange_session_token_expiry_has_ten_seconds_of_leeway(
    client: httpx.AsyncClient, sim: ShopifySimulator, clock: Clock
) -> None:
    token = sim.session_token(SHOP, ttl_s=60)
    clock.advance(65)
    assert (await exchange(client, token)).status_code == 200
    clock.advance(10)
    late = await exchange(client, token)
    assert late.status_code == 400 and late.json()["error"] == "invalid_subject_token"


async def test_expiring_access_token_expires(
    client: httpx.AsyncClient, sim: ShopifySimulator, clock: Clock
) -> None:
    access = (await exchange(client, sim.session_token(SHOP))).json()["access_token"]
    assert (await graphql(client, access, "{ shop { name } }")).status_code == 200
    clock.advance(3599)
    assert (await graphql(client, access, "{ shop { name } }")).status_code == 200
    clock.advance(1)
    expired = await graphql(client, access, "{ shop { name } }")
    assert expired.status_code == 401 and expired.json() == {"errors": INVALID_TOKEN}


# --- refresh ------------------------------------------------------------------------------------


async def test_refresh_rotates_and_retries_within_the_grace_window(
    client: httpx.AsyncClient, sim: ShopifySimulator, clock: Clock
) -> None:
    first = sim.install(SHOP)
    clock.advance(3000)
    second = await refresh(client, first["refresh_token"])
    assert second.status_code == 200
    pair = second.json()
    assert pair["access_token"] != first["access_token"]
    assert pair["refresh_token"] != first["refresh_token"]
    assert pair["expires_in"] == 3600 and pair["refresh_token_expires_in"] == 7_776_000
    # The previous access token keeps working until its own expiry.
    assert (await graphql(client, first["access_token"], "{ shop { id } }")).status_code == 200

    clock.advance(30)  # the answer was lost: the same request again
    retry = await refresh(client, first["refresh_token"])
    assert retry.status_code == 200
    assert (retry.json()["access_token"], retry.json()["refresh_token"]) == (
        pair["access_token"],
        pair["refresh_token"],
    )
    clock.advance(600)
    assert (await graphql(client, first["access_token"], "{ shop { id } }")).status_code == 401
    late = await refresh(client, first["refresh_token"])
    assert late.status_code == 400 and late.json()["error"] == "invalid_grant"
    assert (await refresh(client, pair["refresh_token"])).status_code == 200
    refreshes = [r for r in sim.token_requests if r["grant"] == "refresh_token"]
    assert [r["status"] for r in refreshes] == [200, 200, 400, 200]


async def test_using_the_replacement_retires_the_previous_refresh_token(
    client: httpx.AsyncClient, sim: ShopifySimulator
) -> None:
    first = sim.install(SHOP)
    second = (await refresh(client, first["refresh_token"])).json()
    assert (await refresh(client, second["refresh_token"])).status_code == 200
    stale = await refresh(client, first["refresh_token"])
    assert stale.status_code == 400 and stale.json()["error"] == "invalid_grant"


async def test_expired_refresh_token_is_an_invalid_grant(
    client: httpx.AsyncClient, sim: ShopifySimulator, clock: Clock
) -> None:
    first = sim.install(SHOP)
    clock.advance(90 * 24 * 3600)
    response = await refresh(client, first["refresh_token"])
    assert response.status_code == 400
    assert set(response.json()) == {"error", "error_description"}
    assert response.json()["error"] == "invalid_grant"
    elsewhere = await token_request(
        client,
        OTHER_SHOP,
        grant_type="refresh_token",
        refresh_token=sim.install(SHOP)["refresh_token"],
    )
    assert elsewhere.status_code == 400


async def test_migration_to_an_expiring_token(
    client: httpx.AsyncClient, sim: ShopifySimulator, clock: Clock
) -> None:
    legacy = sim.install(SHOP, expiring=False)["access_token"]
    assert (await graphql(client, legacy, "{ shop { id } }")).status_code == 200
    fields: dict[str, Any] = {"subject_token_type": OFFLINE, "expiring": 1}
    migrated = await exchange(client, legacy, **fields)
    assert migrated.status_code == 200
    pair = migrated.json()
    assert pair["expires_in"] == 3600 and "refresh_token" in pair
    assert (await graphql(client, legacy, "{ shop { id } }")).status_code == 401
    assert (await graphql(client, pair["access_token"], "{ shop { id } }")).status_code == 200
    # A lost answer: retrying with the original token returns the same pair...
    clock.advance(86_400)
    again = (await exchange(client, legacy, **fields)).json()
    assert (again["access_token"], again["refresh_token"]) == (
        pair["access_token"],
        pair["refresh_token"],
    )
    assert again["expires_in"] == 3600  # re-extended: it had expired
    # ... until the pair is refreshed.
    assert (await refresh(client, pair["refresh_token"])).status_code == 200
    gone = await exchange(client, legacy, **fields)
    assert gone.status_code == 400 and gone.json()["error"] == "invalid_subject_token"
    needs_expiring = await exchange(
        client,
        sim.install(SHOP, expiring=False)["access_token"],
        subject_token_type=OFFLINE,
        expiring=0,
    )
    assert needs_expiring.status_code == 400


# --- GraphQL Admin API --------------------------------------------------------------------------


async def test_graphql_authentication(client: httpx.AsyncClient, sim: ShopifySimulator) -> None:
    access = sim.install(SHOP)["access_token"]
    query = "{ shop { name myshopifyDomain email currencyCode } }"
    for token in (None, "shpat_unknown", sim.install(OTHER_SHOP)["access_token"]):
        response = await graphql(client, token, query)
        assert response.status_code == 401
        assert response.json() == {"errors": INVALID_TOKEN}
    response = await graphql(client, access, query)
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {
        "shop": {
            "name": "Demo Shop",
            "myshopifyDomain": SHOP,
            "email": "owner@demo-shop.example",
            "currencyCode": "USD",
        }
    }
    assert response.headers["x-shopify-api-version"] == VERSION
    assert sim.graphql_calls[-1] == {"shop": SHOP, "query": query, "variables": {}, "token": access}
    assert len(sim.graphql_calls) == 4
    sim.uninstall(SHOP)
    assert (await graphql(client, access, query)).status_code == 401


async def test_graphql_cost_and_throttling(
    client: httpx.AsyncClient, sim: ShopifySimulator, clock: Clock
) -> None:
    access = sim.install(SHOP)["access_token"]
    cost = (await graphql(client, access, "{ shop { id } }")).json()["extensions"]["cost"]
    assert cost == {
        "requestedQueryCost": 10,
        "actualQueryCost": 10,
        "throttleStatus": {
            "maximumAvailable": 2000.0,
            "currentlyAvailable": 1990,
            "restoreRate": 100.0,
        },
    }
    sim.throttle(SHOP)
    throttled = await graphql(client, access, "{ shop { id } }")
    assert throttled.status_code == 200
    body = throttled.json()
    assert "data" not in body
    assert body["errors"][0]["message"] == "Throttled"
    assert body["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert body["extensions"]["cost"]["actualQueryCost"] is None
    assert body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 0
    clock.advance(0.0625)  # 6.25 points back: not enough
    assert "errors" in (await graphql(client, access, "{ shop { id } }")).json()
    clock.advance(0.125)  # 18.75 points: enough for one more query
    recovered = (await graphql(client, access, "{ shop { id } }")).json()
    assert "errors" not in recovered
    assert recovered["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 8
    # Per shop: another shop's bucket is untouched.
    other = sim.install(OTHER_SHOP)["access_token"]
    assert "errors" not in (await graphql(client, other, "{ shop { id } }", OTHER_SHOP)).json()


async def test_graphql_injected_failures(client: httpx.AsyncClient, sim: ShopifySimulator) -> None:
    access = sim.install(SHOP)["access_token"]
    sim.fail_next_graphql(SHOP, status=503, times=2)
    sim.fail_next_graphql(SHOP, status=500)
    statuses = [(await graphql(client, access, "{ shop { id } }")).status_code for _ in range(4)]
    assert statuses == [503, 503, 500, 200]


@pytest.mark.parametrize(
    ("embed", "expected"),
    [(True, False), (False, True), (None, None)],
    ids=["enabled", "switched-off", "never-added"],
)
async def test_themes_settings_data_shows_the_app_embed(
    client: httpx.AsyncClient, sim: ShopifySimulator, embed: bool | None, expected: bool | None
) -> None:
    sim.add_shop(SHOP, embed_enabled=embed)
    access = sim.install(SHOP)["access_token"]
    response = await graphql(client, access, EMBED_QUERY)
    theme = response.json()["data"]["themes"]["nodes"][0]
    assert theme["role"] == "MAIN" and theme["id"].startswith("gid://shopify/OnlineStoreTheme/")
    assert theme["files"]["nodes"][0]["filename"] == "config/settings_data.json"
    blocks = settings_data(response)["current"]["blocks"]
    prefix = "shopify://apps/proofstream/blocks/app-embed/"
    ours = [block for block in blocks.values() if block["type"].startswith(prefix)]
    if expected is None:
        assert ours == []
    else:
        assert [block["disabled"] for block in ours] == [expected]
        assert ours[0]["type"] == sim.block_type
        assert all(key.isdigit() for key in blocks)


async def test_set_embed_changes_what_the_next_read_sees(
    client: httpx.AsyncClient, sim: ShopifySimulator
) -> None:
    access = sim.install(SHOP)["access_token"]
    sim.set_embed(SHOP, True)
    assert list(settings_data(await graphql(client, access, EMBED_QUERY))["current"]["blocks"])
    sim.set_embed(SHOP, None)
    assert settings_data(await graphql(client, access, EMBED_QUERY))["current"]["blocks"] == {}


async def test_script_tags_list_and_delete(
    client: httpx.AsyncClient, sim: ShopifySimulator
) -> None:
    sim.add_shop(SHOP, legacy_script_tags=2)
    access = sim.install(SHOP)["access_token"]
    tags = (await graphql(client, access, SCRIPT_TAGS)).json()["data"]["scriptTags"]["nodes"]
    assert len(tags) == 2 and all(t["id"].startswith("gid://shopify/ScriptTag/") for t in tags)
    deleted = await graphql(client, access, SCRIPT_TAG_DELETE, id=tags[0]["id"])
    assert deleted.json()["data"]["scriptTagDelete"] == {
        "deletedScriptTagId": tags[0]["id"],
        "userErrors": [],
    }
    missing = await graphql(client, access, SCRIPT_TAG_DELETE, id=tags[0]["id"])
    result = missing.json()["data"]["scriptTagDelete"]
    assert result["deletedScriptTagId"] is None and result["userErrors"]
    left = (await graphql(client, access, SCRIPT_TAGS)).json()["data"]["scriptTags"]["nodes"]
    assert left == [tags[1]]
    create = """mutation { scriptTagCreate(input: {src: "https://x.example/a.js"}) {
        scriptTag { id } userErrors { field message } } }"""
    refused = (await graphql(client, access, create)).json()["data"]["scriptTagCreate"]
    assert refused["scriptTag"] is None and refused["userErrors"]


async def test_script_tags_need_the_scope(client: httpx.AsyncClient) -> None:
    app = create_simulator(api_key=API_KEY, api_secret=SECRET)  # default scopes: no script tags
    sim: ShopifySimulator = app.state.shopify
    access = sim.install(SHOP)["access_token"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://s") as c:
        body = (await graphql(c, access, SCRIPT_TAGS)).json()
    assert body["data"] == {"scriptTags": None}
    assert body["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"


async def test_webhook_subscription_create_is_not_idempotent(
    client: httpx.AsyncClient, sim: ShopifySimulator
) -> None:
    access = sim.install(SHOP)["access_token"]
    variables = {"topic": "APP_UNINSTALLED", "uri": "https://app.example/webhooks/shopify"}
    created = (await graphql(client, access, WEBHOOK_CREATE, **variables)).json()
    subscription = created["data"]["webhookSubscriptionCreate"]["webhookSubscription"]
    assert subscription["id"].startswith("gid://shopify/WebhookSubscription/")
    assert subscription["topic"] == "APP_UNINSTALLED"
    # The same topic and address again: refused like Shopify does, not deduplicated silently.
    again = (await graphql(client, access, WEBHOOK_CREATE, **variables)).json()
    payload = again["data"]["webhookSubscriptionCreate"]
    assert payload["webhookSubscription"] is None
    assert payload["userErrors"][0]["message"] == "Address for this topic has already been taken"
    listed = (await graphql(client, access, WEBHOOKS)).json()["data"]["webhookSubscriptions"]
    assert listed["nodes"] == [subscription]
    # Configured the other way, repeating the call creates a duplicate.
    sim.reject_duplicate_webhooks = False
    await graphql(client, access, WEBHOOK_CREATE, **variables)
    listed = (await graphql(client, access, WEBHOOKS)).json()["data"]["webhookSubscriptions"]
    assert len(listed["nodes"]) == 2
    bad = (await graphql(client, access, WEBHOOK_CREATE, topic="NOPE", uri="https://a.b")).json()
    assert bad["data"]["webhookSubscriptionCreate"] is None and bad["errors"]


async def test_graphql_errors_look_like_shopify(
    client: httpx.AsyncClient, sim: ShopifySimulator
) -> None:
    access = sim.install(SHOP)["access_token"]
    unknown = (await graphql(client, access, "{ shop { name nope } }")).json()
    assert "data" not in unknown
    assert unknown["errors"][0]["message"] == "Field 'nope' doesn't exist on type 'Shop'"
    assert unknown["errors"][0]["extensions"]["code"] == "undefinedField"
    broken = (await graphql(client, access, "{ shop { name }")).json()
    assert "data" not in broken and broken["errors"]
    aliased = (
        await graphql(
            client,
            access,
            "query($s: Boolean = false) { a: shop { n: name email @include(if: $s) } }",
        )
    ).json()
    assert aliased["data"] == {"a": {"n": "Demo Shop"}}
    mutation_typo = (
        "mutation { webhookSubscriptionCreate(topic: APP_UNINSTALLED, "
        'webhookSubscription: {uri: "https://a.example/h"}) { webhookSubscription { idd } } }'
    )
    assert "errors" in (await graphql(client, access, mutation_typo)).json()
    assert sim.shop(SHOP).webhooks == []  # nothing ran


# --- webhooks -----------------------------------------------------------------------------------


def test_compliance_payloads_carry_the_documented_keys(sim: ShopifySimulator) -> None:
    data_request = sim.customers_data_request_payload(SHOP, orders_requested=[1, 2])
    assert set(data_request) == {
        "shop_id",
        "shop_domain",
        "orders_requested",
        "customer",
        "data_request",
    }
    assert set(data_request["customer"]) == {"id", "email", "phone"}
    assert set(data_request["data_request"]) == {"id"}
    assert data_request["orders_requested"] == [1, 2] and data_request["shop_domain"] == SHOP
    redact = sim.customers_redact_payload(SHOP, customer_id=7)
    assert set(redact) == {"shop_id", "shop_domain", "customer", "orders_to_redact"}
    assert redact["customer"]["id"] == 7
    assert sim.shop_redact_payload(SHOP) == {"shop_id": sim.shop(SHOP).id, "shop_domain": SHOP}
    uninstalled = sim.app_uninstalled_payload(SHOP)
    assert {"id", "name", "domain", "myshopify_domain", "email", "plan_name"} <= set(uninstalled)
    assert uninstalled["myshopify_domain"] == SHOP and uninstalled["id"] == sim.shop(SHOP).id


async def test_deliveries_are_signed_and_retried_with_the_same_ids(sim: ShopifySimulator) -> None:
    seen: list[httpx.Request] = []
    statuses = [503, 500, 200]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(statuses.pop(0))

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as c:
        response = await sim.deliver_with_retries(
            shop=SHOP,
            topic="app/uninstalled",
            payload=sim.app_uninstalled_payload(SHOP),
            endpoint="https://app.example/webhooks",
            client=c,
            delays=(0, 0),
        )
    assert response.status_code == 200 and len(seen) == 3
    for request in seen:
        assert request.headers["x-shopify-topic"] == "app/uninstalled"
        assert request.headers["x-shopify-shop-domain"] == SHOP
        digest = hmac.new(SECRET.encode(), request.content, hashlib.sha256).digest()
        assert request.headers["x-shopify-hmac-sha256"] == base64.b64encode(digest).decode()
    for name in ("x-shopify-webhook-id", "x-shopify-event-id", "x-shopify-triggered-at"):
        assert len({request.headers[name] for request in seen}) == 1
    assert [d["status"] for d in sim.webhook_deliveries] == [503, 500, 200]


async def test_emit_goes_to_the_subscriptions_the_app_created(
    client: httpx.AsyncClient, sim: ShopifySimulator
) -> None:
    access = sim.install(SHOP)["access_token"]
    uri = "https://app.example/webhooks/shopify"
    await graphql(client, access, WEBHOOK_CREATE, topic="APP_UNINSTALLED", uri=uri)
    urls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        urls.append(str(request.url))
        return httpx.Response(200)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as c:
        await sim.emit(SHOP, "app/uninstalled", sim.app_uninstalled_payload(SHOP), client=c)
        await sim.emit(SHOP, "orders/create", {"id": 1}, client=c)
    assert urls == [uri]


async def test_running_simulator_serves_real_http() -> None:
    async with running_simulator(api_key=API_KEY, api_secret=SECRET) as (template, sim):
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/shops/\{shop\}", template)
        base = template.format(shop=SHOP)
        async with httpx.AsyncClient() as c:
            token = await c.post(
                f"{base}/admin/oauth/access_token", json=exchange_fields(sim.session_token(SHOP))
            )
            access = token.json()["access_token"]
            shop = await c.post(
                f"{base}/admin/api/{VERSION}/graphql.json",
                json={"query": "{ shop { myshopifyDomain } }"},
                headers={"X-Shopify-Access-Token": access},
            )
    assert shop.json()["data"] == {"shop": {"myshopifyDomain": SHOP}}
