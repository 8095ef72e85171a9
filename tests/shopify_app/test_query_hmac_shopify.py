"""Install queries are signed and verified exactly as Shopify's own Node library does it
(`@shopify/shopify-api`, installed by `scripts/dev test` into tests/node): queries whose
values hold =, /, :, +, spaces, ~, *, & or non-ASCII text are signed by our code and
accepted by Shopify's, and by ours."""

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from shopify_app.oauth import sign_query, verify_query_hmac
from simulator.oauth_records import query_hmac

NODE = Path(__file__).resolve().parents[1] / "node"
SECRET = "shpss_0123456789abcdef0123456789abcdef"
VALUES = [
    "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvZGVtbw==",  # a host: base64 with = padding
    "https://example.com/path?a=1&b=2",
    "a+b c",
    "~tilde*star-dash_under.dot",
    "Zoë 北京 🚀",
    "100%",
]


def shopify_validates(queries: list[dict[str, str]]) -> list[bool]:
    node = shutil.which("node")
    assert node, "Node.js is required (scripts/dev test installs it)"
    assert (NODE / "node_modules" / "@shopify" / "shopify-api").exists(), (
        "run scripts/dev test: it installs Shopify's library into tests/node"
    )
    done = subprocess.run(
        [node, str(NODE / "validate_hmac.mjs")],
        input=json.dumps({"secret": SECRET, "queries": queries}),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=NODE,
    )
    verdicts: list[bool] = json.loads(done.stdout)
    return verdicts


@pytest.mark.parametrize("signer", ["app", "simulator"])
def test_our_signatures_are_shopifys(signer: str) -> None:
    now = int(time.time())
    queries = []
    for value in VALUES:
        params = {"shop": "a.myshopify.com", "timestamp": str(now), "host": value, "state": value}
        digest = (
            sign_query(params, secret=SECRET) if signer == "app" else query_hmac(params, SECRET)
        )
        queries.append({**params, "hmac": digest})
    assert shopify_validates(queries) == [True] * len(VALUES)
    assert all(verify_query_hmac(q, secret=SECRET, now=now) for q in queries)


def test_a_signature_over_other_values_is_refused_by_both() -> None:
    now = int(time.time())
    params = {"shop": "a.myshopify.com", "timestamp": str(now), "host": "a=b"}
    tampered = {**params, "hmac": sign_query(params, secret=SECRET), "host": "a=c"}
    assert shopify_validates([tampered]) == [False]
    assert not verify_query_hmac(tampered, secret=SECRET, now=now)
