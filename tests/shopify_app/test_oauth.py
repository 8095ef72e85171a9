import hashlib
import hmac

import pytest

from shopify_app.oauth import authorize_url, sign_state, unsign_state, verify_query_hmac

SECRET = "hush-it-is-an-app-secret"
NOW = 1_800_000_000


def signed(**params: str) -> dict[str, str]:
    # Independent of the code under test: Shopify's documented recipe.
    message = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    digest = hmac.new(SECRET.encode(), message.encode(), hashlib.sha256).hexdigest()
    return {**params, "hmac": digest}


def test_valid_query() -> None:
    params = signed(shop="a.myshopify.com", timestamp=str(NOW), host="YWRtaW4")
    assert verify_query_hmac(params, secret=SECRET, now=NOW + 10)


@pytest.mark.parametrize(
    "change",
    [
        {"shop": "b.myshopify.com"},
        {"hmac": "0" * 64},
        {"extra": "1"},
    ],
)
def test_tampered_query_fails(change: dict[str, str]) -> None:
    params = {**signed(shop="a.myshopify.com", timestamp=str(NOW)), **change}
    assert not verify_query_hmac(params, secret=SECRET, now=NOW)


def test_stale_or_future_timestamp_fails() -> None:
    params = signed(shop="a.myshopify.com", timestamp=str(NOW))
    assert verify_query_hmac(params, secret=SECRET, now=NOW + 90)
    assert not verify_query_hmac(params, secret=SECRET, now=NOW + 91)
    assert not verify_query_hmac(params, secret=SECRET, now=NOW - 91)


def test_missing_hmac_or_timestamp_fails() -> None:
    assert not verify_query_hmac({"shop": "a.myshopify.com"}, secret=SECRET, now=NOW)
    no_time = signed(shop="a.myshopify.com")
    assert not verify_query_hmac(no_time, secret=SECRET, now=NOW)


def test_signature_param_is_ignored_in_the_message() -> None:
    params = {**signed(shop="a.myshopify.com", timestamp=str(NOW)), "signature": "legacy"}
    assert verify_query_hmac(params, secret=SECRET, now=NOW)


def test_state_round_trip_and_tampering() -> None:
    cookie = sign_state("abc", secret=SECRET, now=NOW)
    assert unsign_state(cookie, secret=SECRET, now=NOW + 5) == "abc"
    assert unsign_state(cookie, secret=SECRET, now=NOW + 601) is None
    assert unsign_state(cookie.replace("abc", "abd"), secret=SECRET, now=NOW) is None
    assert unsign_state(cookie, secret="other-secret", now=NOW) is None
    assert unsign_state("garbage", secret=SECRET, now=NOW) is None


def test_authorize_url_carries_client_scopes_redirect_and_state() -> None:
    url = authorize_url(
        admin_url="https://a.myshopify.com",
        api_key="key",
        scopes="read_orders,read_themes",
        redirect_uri="https://app.example/auth/callback",
        state="s1",
    )
    assert url.startswith("https://a.myshopify.com/admin/oauth/authorize?client_id=key&")
    assert "scope=read_orders%2Cread_themes" in url
    assert "redirect_uri=https%3A%2F%2Fapp.example%2Fauth%2Fcallback" in url
    assert url.endswith("&state=s1")
