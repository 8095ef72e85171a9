"""The OpenAPI 3.1 document is built from the route table and the pydantic models, and it
is true: schemathesis calls every operation of the live gateway with generated requests
and finds no server error and no response the document does not describe."""

import asyncio
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import negative_data_rejection
from schemathesis.specs.openapi import schemas as _loaded_here  # noqa: F401 (see below)

from tests.conftest import Stack

# schemathesis.specs.openapi.schemas is imported above, on the main thread: the loader
# imports it lazily, the fuzzing runs in a worker thread, and there CPython 3.11's compiler
# can fail ("AST constructor recursion depth mismatch") while another thread compiles.

pytestmark = pytest.mark.integration

SHOP = "openapi-fuzz.myshopify.com"


def fuzz(stack: Stack, operation: Any, mode: GenerationMode) -> None:
    """One hypothesis run over an operation, as `@schema.parametrize()` would do (that
    loader does not work with this pytest). Valid requests must be served as documented;
    invalid ones answered as documented and never with a server error (that every one is
    refused is not asked: the document cannot say all the validators check)."""
    excluded = [negative_data_rejection] if mode is GenerationMode.NEGATIVE else []

    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=10, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def check(case: Any) -> None:
        if case.path.startswith("/api/"):
            # Dev mode: a real shop, so merchant routes are reached past authentication.
            case.query = {**(case.query or {}), "shop": SHOP}
            if mode is GenerationMode.POSITIVE:
                # A cursor is an opaque token only the API makes (a made-up one is refused,
                # 400); paging is tested with real ones in tests/test_notification_record.py.
                case.query.pop("cursor", None)
        case.call_and_validate(base_url=stack.url, excluded_checks=excluded)

    try:
        check()
    except Unsatisfiable:
        assert mode is GenerationMode.NEGATIVE  # nothing to get wrong: no parameter, no body


async def test_every_operation_keeps_to_the_document(stack: Stack) -> None:
    # On a thread of its own: schemathesis and hypothesis are synchronous (requests), and
    # a fresh thread's shallow stack keeps CPython 3.11.7's `ast.parse` (which they call)
    # clear of its "AST constructor recursion depth mismatch" bug under pytest-asyncio.
    await asyncio.to_thread(fuzz_all, stack)


def fuzz_all(stack: Stack) -> None:
    schema = schemathesis.openapi.from_url(f"{stack.url}/openapi.json")
    tested = []
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an Err would raise here too
        if operation.path.endswith("/stream"):
            continue  # never ends by itself; every SSE test covers it
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(stack, operation, mode)
        tested.append(operation.label)
    assert len(tested) >= 20, tested


async def test_the_document_covers_the_merchant_api(stack: Stack) -> None:
    async with httpx.AsyncClient() as client:
        document = (await client.get(f"{stack.url}/openapi.json")).json()
    assert document["openapi"] == "3.1.0"
    notifications = document["paths"]["/api/notifications/{id}"]
    assert set(notifications) == {"get", "patch", "delete"}
    listing = document["paths"]["/api/notifications"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"since", "until", "status", "cursor"}
    assert listing["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NotificationList"
    }
    assert "StoredNotificationView" in document["components"]["schemas"]
