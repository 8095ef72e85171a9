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
    "forged",
    [
        token(secret="a-wrong-secret-also-32-bytes-long"),
        token(aud="someone-elses-app"),
        token(exp=int(time.time()) - 60),
        token(nbf=int(time.time()) + 60),
        token(iss="https://other.myshopify.com/admin"),
        token(dest="https://evil.com", iss="https://evil.com/admin"),
        token(dest=None),
        jwt.encode({"dest": f"https://{SHOP}"}, SECRET, "HS256"),
        "not.a.jwt",
    ],
)
def test_forged_tokens_are_refused(forged: str) -> None:
    with pytest.raises(Unauthorized):
        verify_session_token(forged, api_key=KEY, secret=SECRET)


def test_none_algorithm_is_refused() -> None:
    unsigned = jwt.encode({"dest": f"https://{SHOP}", "aud": KEY}, key=None, algorithm="none")
    with pytest.raises(Unauthorized):
        verify_session_token(unsigned, api_key=KEY, secret=SECRET)
