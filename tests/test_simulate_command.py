"""`proofstream simulate` plays an order's whole life against the real stack: orders, then
their cancel or refund, a data request, and a clear refusal of an order it never sent."""

import asyncio
import os
import subprocess
from pathlib import Path

import httpx
import orjson
import pytest

from tests.conftest import ROOT, Stack
from tests.fixtures import eventually, open_stream, proofstream

pytestmark = pytest.mark.integration


def simulate(stack: Stack, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SHOPIFY_API_SECRET": stack.secret, "PROOFSTREAM_PUBLIC_URL": stack.url}
    return proofstream("simulate", *argv, env=env)


async def test_simulate_plays_an_orders_life(stack: Stack, shop: str, tmp_path: Path) -> None:
    journal = tmp_path / "orders.jsonl"
    common = [
        "--shop",
        shop,
        "--journal",
        str(journal),
        "--app-config",
        str(ROOT / "shopify.app.toml"),
    ]

    async def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return await asyncio.to_thread(simulate, stack, *argv, *common)

    async with open_stream(f"{stack.url}/v1/storefront/{shop}/stream") as stream:
        sent = await run("--count", "2", "--rate", "20", "--seed", "3")
        assert sent.returncode == 0, sent.stderr
        shown = {(await stream.next(timeout=20)).json()["id"] for _ in range(2)}
        orders = [orjson.loads(line)["order"] for line in journal.read_bytes().splitlines()]
        assert len(orders) == 2

        cancel = await run("cancel")  # the newest order
        assert cancel.returncode == 0, cancel.stderr
        first_gone = (await stream.next("retract", timeout=20)).json()["id"]

        async with httpx.AsyncClient(base_url=stack.url) as client:

            async def both_recorded() -> bool:
                listed = await client.get("/api/notifications", params={"shop": shop})
                return len(listed.json()["notifications"]) == 2

            await eventually(both_recorded)  # a refund is judged by the record
        refunded = await run("refund", str(orders[0]["id"]))
        assert refunded.returncode == 0, refunded.stderr
        second_gone = (await stream.next("retract", timeout=20)).json()["id"]
    assert {first_gone, second_gone} == shown

    assert (await run("data-request", str(orders[0]["id"]))).returncode == 0
    unknown = await run("cancel", "999")
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == (
        f"proofstream simulate: order 999 of {shop} is not in the journal {journal}"
    )
