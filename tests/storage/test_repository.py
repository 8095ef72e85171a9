"""The repository on SQLite and PostgreSQL: installs, tokens, uninstall, dedupe, redaction."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.crypto import TokenCipher
from storage.repository import (
    APP_TABLES,
    RECORD_TABLES,
    OfflineTokens,
    load_offline_tokens,
    mark_uninstalled,
    offline_session_id,
    record_compliance,
    redact_shop,
    save_installation,
    save_tokens,
    shop_row_counts,
)
from storage.shops import Installation, installation, is_installed

Sessions = async_sessionmaker[AsyncSession]

NOW = datetime(2025, 11, 25, 12, 0, 0, 123456, tzinfo=UTC)
ACCESS = "shpat_access_token_0123456789abcdef"
REFRESH = "shprt_refresh_token_0123456789abcdef"
ZERO = {
    "shops": 0,
    "shop_sessions": 0,
    "notification_engagement": 0,
    "engagement_daily": 0,
    "engagement_reports": 0,
    "notifications": 0,
    "compliance_records": 0,
}


def tokens_for(shop: str, *, suffix: str = "", refresh: bool = True) -> OfflineTokens:
    return OfflineTokens(
        shop=shop,
        access_token=ACCESS + suffix,
        expires=NOW + timedelta(hours=1) if refresh else None,
        refresh_token=REFRESH + suffix if refresh else None,
        refresh_token_expires=NOW + timedelta(days=30) if refresh else None,
        scope="read_orders,read_products",
    )


async def install(
    sessions: Sessions, cipher: TokenCipher, shop: str, *, refresh: bool = True
) -> str:
    async with sessions() as session, session.begin():
        return await save_installation(
            session,
            shop=shop,
            scope="read_orders,read_products",
            api_version="2025-10",
            tokens=tokens_for(shop, refresh=refresh),
            cipher=cipher,
            now=NOW,
        )


async def counts(sessions: Sessions, shop: str) -> dict[str, int]:
    async with sessions() as session, session.begin():
        return await shop_row_counts(session, shop=shop)


async def test_save_and_load_installation(
    sessions: Sessions, cipher: TokenCipher, shop: str
) -> None:
    key = await install(sessions, cipher, shop)
    assert len(key) >= 32

    async with sessions() as session, session.begin():
        loaded = await load_offline_tokens(session, shop=shop, cipher=cipher)
        assert await is_installed(session, shop=shop)
        assert await installation(session, shop=shop) == Installation(key, uninstalled=False)
    assert loaded == tokens_for(shop)
    assert loaded.expires is not None and loaded.expires.tzinfo is not None
    assert loaded.expires.utcoffset() == timedelta(0)
    assert await counts(sessions, shop) == {**ZERO, "shops": 1, "shop_sessions": 1}


async def test_unknown_shop(sessions: Sessions, cipher: TokenCipher, shop: str) -> None:
    async with sessions() as session, session.begin():
        assert await load_offline_tokens(session, shop=shop, cipher=cipher) is None
        assert not await is_installed(session, shop=shop)
        assert await installation(session, shop=shop) is None
        assert not await mark_uninstalled(session, shop=shop, now=NOW)
        assert not await save_tokens(
            session, tokens=tokens_for(shop), cipher=cipher, expected_refresh_token=None, now=NOW
        )


async def test_legacy_non_expiring_token(
    sessions: Sessions, cipher: TokenCipher, shop: str
) -> None:
    await install(sessions, cipher, shop, refresh=False)
    async with sessions() as session, session.begin():
        loaded = await load_offline_tokens(session, shop=shop, cipher=cipher)
    assert loaded == tokens_for(shop, refresh=False)
    assert "refresh_token=None" in repr(loaded)


async def test_tokens_are_stored_only_encrypted(
    sessions: Sessions, cipher: TokenCipher, shop: str
) -> None:
    await install(sessions, cipher, shop)
    async with sessions() as session, session.begin():
        row = (
            await session.execute(
                text("SELECT access_token, refresh_token FROM shop_sessions WHERE shop = :shop"),
                {"shop": shop},
            )
        ).one()
    stored_access, stored_refresh = row
    assert ACCESS not in stored_access and REFRESH not in stored_refresh
    assert cipher.decrypt(stored_access) == ACCESS
    assert cipher.decrypt(stored_refresh) == REFRESH


async def test_nothing_returned_shows_a_token_in_its_repr(
    sessions: Sessions, cipher: TokenCipher, shop: str
) -> None:
    key = await install(sessions, cipher, shop)
    async with sessions() as session, session.begin():
        loaded = await load_offline_tokens(session, shop=shop, cipher=cipher)
    for value in (key, loaded, cipher, tokens_for(shop)):
        for shown in (repr(value), str(value), f"{value}"):
            assert ACCESS not in shown and REFRESH not in shown
    assert "access_token='***'" in repr(loaded)
    assert "refresh_token='***'" in repr(loaded)


async def test_reinstall_keeps_the_widget_key_and_clears_uninstalled(
    sessions: Sessions, cipher: TokenCipher, shop: str
) -> None:
    key = await install(sessions, cipher, shop)
    async with sessions() as session, session.begin():
        assert await mark_uninstalled(session, shop=shop, now=NOW)
        assert await installation(session, shop=shop) == Installation(key, uninstalled=True)
    assert await install(sessions, cipher, shop) == key
    async with sessions() as session, session.begin():
        assert await is_installed(session, shop=shop)
        assert await installation(session, shop=shop) == Installation(key, uninstalled=False)
        assert await load_offline_tokens(session, shop=shop, cipher=cipher) is not None


async def test_widget_keys_differ_between_shops(
    sessions: Sessions, cipher: TokenCipher, shop: str, other_shop: str
) -> None:
    assert await install(sessions, cipher, shop) != await install(sessions, cipher, other_shop)


async def test_save_tokens_is_compare_and_set(
    sessions: Sessions, cipher: TokenCipher, shop: str
) -> None:
    await install(sessions, cipher, shop)
    refreshed = tokens_for(shop, suffix="-2")
    async with sessions() as session, session.begin():
        assert not await save_tokens(
            session, tokens=refreshed, cipher=cipher, expected_refresh_token="stale", now=NOW
        )
        assert not await save_tokens(
            session, tokens=refreshed, cipher=cipher, expected_refresh_token=None, now=NOW
        )
        assert await save_tokens(
            session, tokens=refreshed, cipher=cipher, expected_refresh_token=REFRESH, now=NOW
        )
        assert await load_offline_tokens(session, shop=shop, cipher=cipher) == refreshed


async def test_concurrent_refreshers_exactly_one_wins(
    sessions: Sessions, cipher: TokenCipher, shop: str
) -> None:
    """Several processes refreshing the same pair at once: one stores it, the rest see False."""
    await install(sessions, cipher, shop)
    expected = REFRESH

    async def refresh(tokens: OfflineTokens) -> bool:
        async with sessions() as session, session.begin():
            return await save_tokens(
                session, tokens=tokens, cipher=cipher, expected_refresh_token=expected, now=NOW
            )

    for round_ in range(3):
        candidates = [tokens_for(shop, suffix=f"-{round_}-{n}") for n in range(6)]
        results = await asyncio.gather(*(refresh(tokens) for tokens in candidates))
        assert results.count(True) == 1
        winner = candidates[results.index(True)]
        async with sessions() as session, session.begin():
            assert await load_offline_tokens(session, shop=shop, cipher=cipher) == winner
        assert winner.refresh_token is not None
        expected = winner.refresh_token


async def test_uninstall_twice(sessions: Sessions, cipher: TokenCipher, shop: str) -> None:
    await install(sessions, cipher, shop)
    async with sessions() as session, session.begin():
        assert await mark_uninstalled(session, shop=shop, now=NOW)
    async with sessions() as session, session.begin():
        assert not await mark_uninstalled(session, shop=shop, now=NOW + timedelta(seconds=1))
        assert await load_offline_tokens(session, shop=shop, cipher=cipher) is None
        assert not await is_installed(session, shop=shop)
    assert await counts(sessions, shop) == {**ZERO, "shops": 1}


async def test_deleting_a_shop_cascades_to_its_sessions(
    sessions: Sessions, cipher: TokenCipher, shop: str
) -> None:
    """ON DELETE CASCADE, which SQLite honours only with PRAGMA foreign_keys=ON."""
    await install(sessions, cipher, shop)
    async with sessions() as session, session.begin():
        await session.execute(text("DELETE FROM shops WHERE domain = :shop"), {"shop": shop})
    assert await counts(sessions, shop) == ZERO


async def test_compliance_records_are_idempotent(sessions: Sessions, shop: str) -> None:
    async def record(topic: str, request_id: str | None, customer_id: str | None) -> bool:
        async with sessions() as session, session.begin():
            return await record_compliance(
                session,
                shop=shop,
                topic=topic,
                request_id=request_id,
                customer_id=customer_id,
                details={"found": {"orders": 0}, "customer": customer_id},
                now=NOW,
            )

    customer = str(2**60)
    for args in (
        ("customers/data_request", "9001", customer),
        ("customers/redact", None, customer),
        ("shop/redact", None, None),
    ):
        assert await record(*args)
        assert not await record(*args)
    assert await record("customers/data_request", "9002", customer)
    assert await record("customers/redact", None, "another-customer")
    assert (await counts(sessions, shop))["compliance_records"] == 5

    async with sessions() as session, session.begin():
        with pytest.raises(ValueError, match="compliance topic"):
            await record_compliance(
                session,
                shop=shop,
                topic="orders/create",
                request_id=None,
                customer_id=None,
                details={},
                now=NOW,
            )


async def test_compliance_details_round_trip(sessions: Sessions, shop: str) -> None:
    details = {"deleted": {"shop_sessions": 3}, "note": "Zoë ✓", "ids": [str(2**60)]}
    async with sessions() as session, session.begin():
        assert await record_compliance(
            session,
            shop=shop,
            topic="customers/data_request",
            request_id="1",
            customer_id="2",
            details=details,
            now=NOW,
        )
    async with sessions() as session, session.begin():
        stored = (
            await session.execute(
                text("SELECT details FROM compliance_records WHERE shop = :shop"), {"shop": shop}
            )
        ).scalar_one()
    # Read with raw SQL: asyncpg decodes json itself, SQLite hands back the text.
    assert (json.loads(stored) if isinstance(stored, str) else stored) == details


async def test_redact_shop_removes_everything_of_that_shop_only(
    sessions: Sessions, cipher: TokenCipher, shop: str, other_shop: str
) -> None:
    for domain in (shop, other_shop):
        await install(sessions, cipher, domain)
        async with sessions() as session, session.begin():
            await record_compliance(
                session,
                shop=domain,
                topic="customers/redact",
                request_id=None,
                customer_id="7",
                details={},
                now=NOW,
            )
    populated = {**ZERO, "shops": 1, "shop_sessions": 1, "compliance_records": 1}
    assert await counts(sessions, other_shop) == populated

    # The gateway erases the install, the worker the records: together, everything.
    async with sessions() as session, session.begin():
        app = await redact_shop(session, shop=shop, tables=APP_TABLES)
        records = await redact_shop(session, shop=shop, tables=RECORD_TABLES)
    assert app | records == populated
    assert await counts(sessions, shop) == ZERO
    assert await counts(sessions, other_shop) == populated

    async with sessions() as session, session.begin():  # a redelivery finds nothing
        app = await redact_shop(session, shop=shop, tables=APP_TABLES)
        records = await redact_shop(session, shop=shop, tables=RECORD_TABLES)
    assert app | records == ZERO


async def test_datetimes_come_back_utc_aware(
    sessions: Sessions, cipher: TokenCipher, shop: str
) -> None:
    toronto = timezone(timedelta(hours=-5))
    expires = datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=toronto)
    tokens = OfflineTokens(
        shop=shop,
        access_token=ACCESS,
        expires=expires,
        refresh_token=REFRESH,
        refresh_token_expires=None,
        scope="",
    )
    async with sessions() as session, session.begin():
        await save_installation(
            session,
            shop=shop,
            scope="",
            api_version="2025-10",
            tokens=tokens,
            cipher=cipher,
            now=NOW,
        )
        loaded = await load_offline_tokens(session, shop=shop, cipher=cipher)
    assert loaded is not None and loaded.expires == expires
    assert loaded.expires is not None and loaded.expires.tzinfo == UTC


async def test_naive_datetimes_are_refused(
    sessions: Sessions, cipher: TokenCipher, shop: str
) -> None:
    naive = datetime(2025, 1, 1)  # noqa: DTZ001
    async with sessions() as session:
        with pytest.raises(ValueError, match="timezone-aware"):
            await save_installation(
                session,
                shop=shop,
                scope="",
                api_version="2025-10",
                tokens=tokens_for(shop),
                cipher=cipher,
                now=naive,
            )
        with pytest.raises(ValueError, match="timezone-aware"):
            await mark_uninstalled(session, shop=shop, now=naive)


async def test_tokens_for_another_shop_are_refused(
    sessions: Sessions, cipher: TokenCipher, shop: str, other_shop: str
) -> None:
    async with sessions() as session:
        with pytest.raises(ValueError, match="another shop"):
            await save_installation(
                session,
                shop=shop,
                scope="",
                api_version="2025-10",
                tokens=tokens_for(other_shop),
                cipher=cipher,
                now=NOW,
            )


def test_offline_session_id() -> None:
    assert offline_session_id("a.myshopify.com") == "offline_a.myshopify.com"
