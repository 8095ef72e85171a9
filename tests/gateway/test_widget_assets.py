"""The widget as served: the build in `widget/dist/` (by `widget/build.mjs`, which
`scripts/dev test` runs first), within its size budget, behind a stable short-cached URL,
at a content-hashed one cached for good, in the smallest encoding the browser takes."""

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from tests.conftest import ROOT, SECRET
from tests.fixtures import gateway_in_process, in_process_settings

pytestmark = pytest.mark.integration

DIST = ROOT / "widget" / "dist"
BUDGET_GZIP_BYTES = 4096


def manifest() -> dict[str, object]:
    path = DIST / "manifest.json"
    if not path.exists():
        pytest.fail("widget/dist/ is missing: `scripts/dev test` builds it (scripts/dev build)")
    loaded: dict[str, object] = json.loads(path.read_text())
    return loaded


@pytest.fixture
async def client(
    bootstrap: str, redis_url: str, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    settings = in_process_settings(
        bootstrap=bootstrap,
        redis_url=redis_url,
        folder=tmp_path,
        SHOPIFY_API_SECRET=SecretStr(SECRET),
        PROOFSTREAM_DEV_MODE=True,
    )
    async with gateway_in_process(settings) as (_, client):
        yield client


def test_the_build_is_within_budget_and_smaller_than_the_source() -> None:
    built = manifest()
    sizes = built["bytes"]
    assert isinstance(sizes, dict)
    name = str(built["name"])
    assert sizes["gzip"] <= BUDGET_GZIP_BYTES, sizes
    assert sizes["br"] < sizes["gzip"] < sizes["raw"]
    assert sizes["raw"] == len((DIST / name).read_bytes())
    assert sizes["gzip"] == len((DIST / f"{name}.gz").read_bytes())
    assert sizes["raw"] < 0.7 * len((ROOT / "widget" / "proofstream.js").read_bytes())


async def raw_get(
    client: httpx.AsyncClient, url: str, **headers: str
) -> tuple[httpx.Response, bytes]:
    """The response and its body as sent (httpx would decode gzip)."""
    async with client.stream("GET", url, headers=headers) as response:
        body = b"".join([chunk async for chunk in response.aiter_raw()])
    return response, body


async def test_stable_url_redirects_to_the_hashed_build(client: httpx.AsyncClient) -> None:
    name = str(manifest()["name"])
    answer = await client.get("/widget.js?v=1")
    assert answer.status_code == 302
    assert answer.headers["location"] == f"/widget/{name}"
    assert answer.headers["cache-control"] == "public, max-age=300"
    # A hash from before a deploy (a browser's cached redirect) gets the current build.
    old = await client.get("/widget/proofstream.000000000000.js")
    assert old.status_code == 302 and old.headers["location"] == f"/widget/{name}"
    # The dashboard's preview build, beside it, just as cacheable.
    preview = manifest()["preview"]
    assert isinstance(preview, dict)
    served = await client.get(f"/widget/{preview['name']}")
    assert served.status_code == 200 and served.headers["cache-control"].endswith("immutable")
    assert served.content == (DIST / str(preview["name"])).read_bytes()


@pytest.mark.parametrize(
    ("accept", "encoding", "suffix"),
    [
        ("gzip, deflate, br, zstd", "br", ".br"),
        ("gzip, deflate", "gzip", ".gz"),
        ("br;q=0, gzip;q=0.5", "gzip", ".gz"),
        ("identity", None, ""),
        ("", None, ""),
    ],
)
async def test_the_smallest_accepted_encoding_cached_for_good(
    client: httpx.AsyncClient, accept: str, encoding: str | None, suffix: str
) -> None:
    built = manifest()
    name = str(built["name"])
    answer, body = await raw_get(client, f"/widget/{name}", **{"Accept-Encoding": accept})
    assert answer.status_code == 200
    assert body == (DIST / f"{name}{suffix}").read_bytes()
    assert answer.headers.get("content-encoding") == encoding
    assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert answer.headers["vary"] == "Accept-Encoding"
    assert answer.headers["content-type"].startswith("application/javascript")
    etag = answer.headers["etag"]
    assert etag == f'"{built["hash"]}-{encoding or "identity"}"'
    again, body = await raw_get(
        client, f"/widget/{name}", **{"Accept-Encoding": accept, "If-None-Match": etag}
    )
    assert again.status_code == 304 and body == b""
