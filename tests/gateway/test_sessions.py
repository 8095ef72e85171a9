import time

import jwt
import pytest

from gateway.errors import Unauthorized
from gateway.sessions import verify_session_token

KEY, SHOP = "api-key", "shop-a.myshopify.com"
SECRET = "app-secret-of-at-least-32-bytes-long"


def token(secret: str = SECRET, **overrides: object) -> str:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": f"https://{SHOP}/admin",
        "dest": f"https://{SHOP}",
        "aud": KEY,
        "sub": "42",
        "exp": now + 60,
        "nbf": now - 5,
        "iat": now - 5,
        "jti": "j",
        "sid": "s",
    }
    claims.update(overrides)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, secret, "HS256")


def test_valid_token_names_the_shop_and_user() -> None:
    session = verify_session_token(token(), api_key=KEY, secret=SECRET)
    assert (session.shop, session.user) == (SHOP, "42")


def test_leeway_of_ten_seconds() -> None:
    verify_session_token(token(exp=int(time.time()) - 5), api_key=KEY, secret=SECRET)
    with pytest.raises(Unauthorized, match="expired"):
        verify_session_token(token(exp=int(time.time()) - 20), api_key=KEY, secret=SECRET)


@pytest.mark.parametrize(
    "forge",
    [
        {"secret": "a-wrong-secret-also-32-bytes-long"},
        {"aud": "someone-elses-app"},
        {"exp": -60},
        {"nbf": 60},
        {"iss": "https://other.myshopify.com/admin"},
        {"dest": "https://evil.com", "iss": "https://evil.com/admin"},
        {"dest": None},
    ],
)
def test_forged_tokens_are_refused(forge: dict[str, object]) -> None:
    claims = dict(forge)
    for relative in ("exp", "nbf"):  # seconds from now, computed when the test runs
        if relative in claims:
            claims[relative] = int(time.time()) + int(str(claims[relative]))
    secret = str(claims.pop("secret", SECRET))
    with pytest.raises(Unauthorized):
        verify_session_token(token(secret, **claims), api_key=KEY, secret=SECRET)


@pytest.mark.parametrize("forged", ["not.a.jwt", "", "a.b"])
def test_garbage_is_refused(forged: str) -> None:
    with pytest.raises(Unauthorized):
        verify_session_token(forged, api_key=KEY, secret=SECRET)


def test_missing_claims_are_refused() -> None:
    unsigned_claims = jwt.encode({"dest": f"https://{SHOP}"}, SECRET, "HS256")
    with pytest.raises(Unauthorized):
        verify_session_token(unsigned_claims, api_key=KEY, secret=SECRET)


def test_none_algorithm_is_refused() -> None:
    unsigned = jwt.encode({"dest": f"https://{SHOP}", "aud": KEY}, key="", algorithm="none")
    with pytest.raises(Unauthorized):
        verify_session_token(unsigned, api_key=KEY, secret=SECRET)
