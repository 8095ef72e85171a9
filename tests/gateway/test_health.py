"""The gateway's metrics read, at each scrape, whether its dependencies answer and how many
shops have the app installed (what the alert rules of deploy/prometheus/ need)."""

import re
import uuid
from datetime import UTC, datetime

import httpx
import pytest

from storage.database import create_engine, sessionmaker
from storage.models import Shop
from tests.conftest import Stack

pytestmark = pytest.mark.integration

SAMPLE = re.compile(r"^(proofstream_(?:ready|shops_installed)\S*) (\S+)$", re.M)


async def scrape(stack: Stack) -> dict[str, float]:
    async with httpx.AsyncClient(timeout=10) as client:
        text = (await client.get(f"{stack.url}/metrics")).text
    return {name: float(value) for name, value in SAMPLE.findall(text)}


async def test_the_metrics_say_what_answers_and_count_installed_shops(stack: Stack) -> None:
    before = await scrape(stack)
    assert {k: v for k, v in before.items() if k.startswith("proofstream_ready")} == {
        'proofstream_ready{dependency="broker"}': 1.0,
        'proofstream_ready{dependency="redis"}': 1.0,
        'proofstream_ready{dependency="database"}': 1.0,
    }
    engine = create_engine(stack.database_url)
    now = datetime.now(UTC)
    try:
        async with sessionmaker(engine)() as session, session.begin():
            for n, uninstalled in enumerate((None, now)):  # one installed, one uninstalled
                session.add(
                    Shop(
                        domain=f"health-{uuid.uuid4().hex[:10]}-{n}.myshopify.com",
                        installed_at=now,
                        uninstalled_at=uninstalled,
                        scope="read_orders",
                        api_version="2025-10",
                        widget_public_key=uuid.uuid4().hex,
                        updated_at=now,
                    )
                )
    finally:
        await engine.dispose()
    after = await scrape(stack)
    assert after["proofstream_shops_installed"] == before["proofstream_shops_installed"] + 1
