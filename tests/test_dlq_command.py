"""`proofstream dlq`: dead letters listed, shown and replayed after a fix, on the session's
real broker, worker and gateway. The letter is one an older normalizer wrote for a valid
order (as a bug fixed since would have); the current pipeline turns its replay into a
popup, once, however often it is replayed."""

import asyncio
import json
import os
import subprocess
import uuid
from datetime import UTC, datetime

import httpx
import orjson
import pytest
from aiokafka import AIOKafkaProducer

from schemas import DeadLetter, WebhookEnvelope
from simulator.orders import OrderFactory
from streams.topics import DEAD_LETTERS, RAW_WEBHOOKS
from tests.conftest import Stack
from tests.fixtures import open_stream, order_body, post_webhook, product_is, proofstream

pytestmark = pytest.mark.integration


async def dlq(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"KAFKA_BOOTSTRAP_SERVERS": stack.bootstrap}
    return await asyncio.to_thread(proofstream, "dlq", *args, env=env)


async def refused_by_an_older_normalizer(stack: Stack, shop: str, body: bytes, marker: str) -> str:
    """Write the dead letter a fixed bug left behind; returns its webhook id."""
    now = datetime.now(UTC)
    envelope = WebhookEnvelope(
        webhook_id=str(uuid.uuid4()),
        topic="orders/create",
        shop=shop,
        api_version="2025-10",
        received_at=now,
        payload=orjson.loads(body),
    )
    letter = DeadLetter(
        stage="normalize",
        reason=f"a bug fixed since ({marker})",
        source_topic=RAW_WEBHOOKS,
        key=shop,
        webhook_id=envelope.webhook_id,
        original=envelope.to_json(),
        failed_at=now,
    )
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(DEAD_LETTERS, letter.to_json(), key=shop.encode())
    finally:
        await producer.stop()
    return envelope.webhook_id


async def test_replayed_dead_letters_become_popups_once(
    stack: Stack, orders: OrderFactory, shop: str
) -> None:
    marker = uuid.uuid4().hex
    body = order_body(orders, title="Replayed")
    webhook_id = await refused_by_an_older_normalizer(stack, shop, body, marker)

    listed = await dlq(stack, "list", "--reason", marker)
    assert listed.returncode == 0, listed.stderr
    *rows, count = listed.stdout.splitlines()
    assert count == "1 dead letters" and len(rows) == 2  # the header and the letter
    letter_id, *_ = rows[1].split()
    assert webhook_id in rows[1] and shop in rows[1] and rows[1].endswith(f"({marker})")

    shown = await dlq(stack, "show", letter_id)
    details = json.loads(shown.stdout)
    assert details["id"] == letter_id and details["webhook_id"] == webhook_id
    assert details["original"]["payload"]["line_items"][0]["title"] == "Replayed"

    dry = await dlq(stack, "replay", "--reason", marker, "--dry-run")
    assert dry.stdout.splitlines()[-1] == "would replay 1 dead letters (dry run)"

    async with open_stream(f"{stack.url}/v1/storefront/{shop}/stream") as stream:
        for _ in range(2):  # a second replay is harmless
            replayed = await dlq(stack, "replay", "--reason", marker, "--since", "10m")
            assert replayed.stdout == "replayed 1 dead letters\n", replayed.stderr
        async with httpx.AsyncClient(timeout=10) as client:
            sentinel = order_body(OrderFactory(shop=shop, seed=99), title="Sentinel")
            answer = await post_webhook(
                client, stack.webhook_url, secret=stack.secret, shop=shop, body=sentinel
            )
            assert answer.status_code == 200
        seen = await stream.until(product_is("Sentinel"), timeout=30)
    products = [e.json()["fields"]["product"] for e in seen if e.event == "notification"]
    assert products == ["Replayed", "Sentinel"]


@pytest.mark.parametrize("letter_id", ["3:999999999", "99:0", "not-an-id"])
async def test_an_unknown_dead_letter_is_one_clear_line(stack: Stack, letter_id: str) -> None:
    missing = await dlq(stack, "show", letter_id)
    assert missing.returncode == 2
    assert (
        missing.stderr == f"proofstream: no dead letter {letter_id} (see `proofstream dlq list`)\n"
    )
