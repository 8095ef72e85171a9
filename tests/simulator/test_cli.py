"""`proofstream simulate`'s journal and the refusals it gives before sending anything."""

from pathlib import Path

import orjson
import pytest

from simulator.cli import Journal, SimulatorError, follow_up
from simulator.orders import OrderFactory

SHOP = "a.myshopify.com"


def journal_of(path: Path, *quantities: int) -> Journal:
    journal = Journal(path / "orders.jsonl")
    factory = OrderFactory(seed=4, shop=SHOP)
    for quantity in quantities:
        order = factory.order()
        order["line_items"] = [{**order["line_items"][0], "quantity": quantity}]
        journal.add(SHOP, order)
    return journal


async def act(journal: Journal, action: str, *order_ids: str, partial: bool = False) -> int:
    return await follow_up(
        action,
        endpoint="http://127.0.0.1:9/never-called",
        secret="s",
        shop=SHOP,
        order_ids=order_ids,
        partial=partial,
        journal=journal,
        app_config=None,
    )


def test_the_journal_finds_the_newest_or_the_named_order(tmp_path: Path) -> None:
    journal = journal_of(tmp_path, 1, 2, 3)
    newest = journal.find(SHOP, None)
    assert newest["line_items"][0]["quantity"] == 3
    first = orjson.loads(journal.path.read_bytes().splitlines()[0])["order"]["id"]
    assert journal.find(SHOP, str(first))["line_items"][0]["quantity"] == 1
    with pytest.raises(SimulatorError, match="order 1 of a.myshopify.com is not in the journal"):
        journal.find(SHOP, "1")


async def test_refusals_come_before_any_delivery(tmp_path: Path) -> None:
    with pytest.raises(SimulatorError, match="no orders sent yet"):
        await act(Journal(tmp_path / "none.jsonl"), "cancel")
    journal = journal_of(tmp_path, 1)
    with pytest.raises(SimulatorError, match="one unit only: any refund of it is a full refund"):
        await act(journal, "refund", partial=True)
