"""Writes of shops, offline tokens and compliance records, and the erasure of a shop
(reads of a shop's install: `storage/shops.py`).

Every function takes an `AsyncSession` whose transaction the caller owns: it may be called
inside `async with session.begin():` (or relies on autobegin) and never commits. Data
leaves as frozen dataclasses or plain values, never as ORM objects.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from storage.crypto import TokenCipher
from storage.errors import StorageError
from storage.models import (
    Base,
    ComplianceRecord,
    EngagementDaily,
    EngagementReport,
    NotificationEngagement,
    NotificationRecord,
    Shop,
    ShopSession,
)

__all__ = [
    "APP_TABLES",
    "COMPLIANCE_TOPICS",
    "RECORD_TABLES",
    "OfflineTokens",
    "dialect_insert",
    "load_offline_tokens",
    "mark_uninstalled",
    "offline_session_id",
    "record_compliance",
    "redact_shop",
    "save_installation",
    "save_tokens",
    "shop_row_counts",
]

COMPLIANCE_TOPICS = frozenset({"customers/data_request", "customers/redact", "shop/redact"})

ShopTables = tuple[tuple[str, type[Base], InstrumentedAttribute[str]], ...]

# Each table with the column holding its shop domain, in deletion order. The gateway owns
# the app's tables (the install and its tokens); the worker owns the record of what was
# shown and the compliance requests it handled.
APP_TABLES: ShopTables = (
    ("shop_sessions", ShopSession, ShopSession.shop),
    ("shops", Shop, Shop.domain),
)
RECORD_TABLES: ShopTables = (
    ("notification_engagement", NotificationEngagement, NotificationEngagement.shop),
    ("engagement_daily", EngagementDaily, EngagementDaily.shop),
    ("engagement_reports", EngagementReport, EngagementReport.shop),
    ("notifications", NotificationRecord, NotificationRecord.shop),
    ("compliance_records", ComplianceRecord, ComplianceRecord.shop),
)


@dataclass(frozen=True, repr=False)
class OfflineTokens:
    """A shop's offline access token and, for expiring tokens, its refresh token."""

    shop: str
    access_token: str
    expires: datetime | None
    refresh_token: str | None
    refresh_token_expires: datetime | None
    scope: str

    def __repr__(self) -> str:
        refresh = None if self.refresh_token is None else "***"
        return (
            f"OfflineTokens(shop={self.shop!r}, access_token='***', expires={self.expires!r}, "
            f"refresh_token={refresh!r}, refresh_token_expires={self.refresh_token_expires!r}, "
            f"scope={self.scope!r})"
        )


def offline_session_id(shop: str) -> str:
    """The id of a shop's offline session, as Shopify's app template names it."""
    return f"offline_{shop}"


def _aware(value: datetime | None, name: str) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{name} must be a timezone-aware datetime")


async def _dialect(session: AsyncSession) -> str:
    name = (await session.connection()).dialect.name
    if name not in ("postgresql", "sqlite"):
        raise StorageError(f"unsupported database backend {name!r}; use PostgreSQL or SQLite")
    return name


def _insert(dialect: str, model: type[Base] | Table) -> postgresql.Insert | sqlite.Insert:
    if dialect == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


async def dialect_insert(
    session: AsyncSession, model: type[Base] | Table
) -> postgresql.Insert | sqlite.Insert:
    """An INSERT with the backend's upsert clauses (`on_conflict_do_*`); of a `Table`, it
    runs as a Core statement (`session.connection().execute`), without the ORM's bulk
    bookkeeping."""
    return _insert(await _dialect(session), model)


async def save_installation(
    session: AsyncSession,
    *,
    shop: str,
    scope: str,
    api_version: str,
    tokens: OfflineTokens,
    cipher: TokenCipher,
    now: datetime,
) -> str:
    """Upsert the shop (installed again, same widget key) and its offline session.

    Returns the shop's widget public key: the existing one, or a new random one.
    """
    if tokens.shop != shop:
        raise ValueError("tokens belong to another shop")
    for name, value in (
        ("now", now),
        ("tokens.expires", tokens.expires),
        ("tokens.refresh_token_expires", tokens.refresh_token_expires),
    ):
        _aware(value, name)
    dialect = await _dialect(session)

    shop_insert = _insert(dialect, Shop).values(
        domain=shop,
        installed_at=now,
        uninstalled_at=None,
        scope=scope,
        api_version=api_version,
        widget_public_key=secrets.token_urlsafe(24),
        updated_at=now,
    )
    reinstalled = Shop.uninstalled_at.is_not(None)
    shop_upsert = shop_insert.on_conflict_do_update(
        index_elements=[Shop.domain],
        set_={
            "installed_at": case(
                (reinstalled, shop_insert.excluded.installed_at), else_=Shop.installed_at
            ),
            "uninstalled_at": None,
            "scope": shop_insert.excluded.scope,
            "api_version": shop_insert.excluded.api_version,
            "updated_at": shop_insert.excluded.updated_at,
        },
    ).returning(Shop.widget_public_key)
    key: str = (await session.execute(shop_upsert)).scalar_one()

    values: dict[str, Any] = {
        "id": offline_session_id(shop),
        "shop": shop,
        "state": "",
        "is_online": False,
        "scope": tokens.scope,
        "expires": tokens.expires,
        "access_token": cipher.encrypt(tokens.access_token),
        "refresh_token": _encrypt_optional(cipher, tokens.refresh_token),
        "refresh_token_expires": tokens.refresh_token_expires,
        "user_id": None,
        "first_name": None,
        "last_name": None,
        "email": None,
        "account_owner": None,
        "locale": None,
        "collaborator": None,
        "email_verified": None,
        "api_version": api_version,
        "updated_at": now,
    }
    session_insert = _insert(dialect, ShopSession).values(**values)
    session_upsert = session_insert.on_conflict_do_update(
        index_elements=[ShopSession.id],
        set_={name: session_insert.excluded[name] for name in values if name != "id"},
    )
    await session.execute(session_upsert)
    return key


def _encrypt_optional(cipher: TokenCipher, plaintext: str | None) -> str | None:
    return None if plaintext is None else cipher.encrypt(plaintext)


async def load_offline_tokens(
    session: AsyncSession, *, shop: str, cipher: TokenCipher
) -> OfflineTokens | None:
    """The shop's decrypted offline tokens, or None when it has none (never or uninstalled)."""
    row = (
        await session.execute(
            select(
                ShopSession.access_token,
                ShopSession.expires,
                ShopSession.refresh_token,
                ShopSession.refresh_token_expires,
                ShopSession.scope,
            ).where(ShopSession.id == offline_session_id(shop))
        )
    ).one_or_none()
    if row is None:
        return None
    return OfflineTokens(
        shop=shop,
        access_token=cipher.decrypt(row.access_token),
        expires=row.expires,
        refresh_token=None if row.refresh_token is None else cipher.decrypt(row.refresh_token),
        refresh_token_expires=row.refresh_token_expires,
        scope=row.scope or "",
    )


async def save_tokens(
    session: AsyncSession,
    *,
    tokens: OfflineTokens,
    cipher: TokenCipher,
    expected_refresh_token: str | None,
    now: datetime,
) -> bool:
    """Store a refreshed token pair if the stored refresh token is still the expected one.

    Compare-and-set: the offline session row is locked (`SELECT ... FOR UPDATE` on
    PostgreSQL; on SQLite the transaction already holds the write lock, see
    `storage.database.create_engine`), its refresh token decrypted and compared. Returns
    False, writing nothing, when another refresher got there first or the shop has no
    offline session (uninstalled). The caller's commit makes the write durable.
    """
    for name, value in (
        ("now", now),
        ("tokens.expires", tokens.expires),
        ("tokens.refresh_token_expires", tokens.refresh_token_expires),
    ):
        _aware(value, name)
    dialect = await _dialect(session)
    session_id = offline_session_id(tokens.shop)
    query = select(ShopSession.refresh_token).where(ShopSession.id == session_id)
    if dialect == "postgresql":
        query = query.with_for_update()
    row = (await session.execute(query)).one_or_none()
    if row is None:
        return False
    stored = None if row.refresh_token is None else cipher.decrypt(row.refresh_token)
    if not _same_secret(stored, expected_refresh_token):
        return False
    await session.execute(
        update(ShopSession)
        .where(ShopSession.id == session_id)
        .values(
            access_token=cipher.encrypt(tokens.access_token),
            expires=tokens.expires,
            refresh_token=_encrypt_optional(cipher, tokens.refresh_token),
            refresh_token_expires=tokens.refresh_token_expires,
            scope=tokens.scope,
            updated_at=now,
        )
    )
    return True


def _same_secret(stored: str | None, expected: str | None) -> bool:
    if stored is None or expected is None:
        return stored is None and expected is None
    return hmac.compare_digest(stored.encode("utf-8"), expected.encode("utf-8"))


async def mark_uninstalled(session: AsyncSession, *, shop: str, now: datetime) -> bool:
    """Mark the shop uninstalled and delete its sessions (tokens).

    True the first time; False when it was already uninstalled or is unknown (its
    sessions are deleted either way).
    """
    _aware(now, "now")
    marked = (
        await session.execute(
            update(Shop)
            .where(Shop.domain == shop, Shop.uninstalled_at.is_(None))
            .values(uninstalled_at=now, updated_at=now)
            .returning(Shop.domain)
        )
    ).first()
    await session.execute(delete(ShopSession).where(ShopSession.shop == shop))
    return marked is not None


async def record_compliance(
    session: AsyncSession,
    *,
    shop: str,
    topic: str,
    request_id: str | None,
    customer_id: str | None,
    details: dict[str, Any],
    now: datetime,
) -> bool:
    """Remember a compliance request; False when (shop, topic, request_id, customer_id)
    was already recorded (None values compare equal here).

    `details` (JSON) says what was found or deleted; the first recording's details stay.
    """
    if topic not in COMPLIANCE_TOPICS:
        raise ValueError(f"not a compliance topic: {topic!r}")
    _aware(now, "now")
    dialect = await _dialect(session)
    statement = (
        _insert(dialect, ComplianceRecord)
        .values(
            shop=shop,
            topic=topic,
            request_id=request_id,
            customer_id=customer_id,
            received_at=now,
            details=details,
        )
        .on_conflict_do_nothing()
        .returning(ComplianceRecord.id)
    )
    return (await session.execute(statement)).first() is not None


async def redact_shop(session: AsyncSession, *, shop: str, tables: ShopTables) -> dict[str, int]:
    """Delete every row of `shop` in `tables` (`APP_TABLES` or `RECORD_TABLES`); the number
    deleted per table. A redelivered shop/redact then deletes nothing (all counts zero)."""
    counts: dict[str, int] = {}
    for table, model, column in tables:
        result = await session.execute(delete(model).where(column == shop))
        counts[table] = cast(CursorResult[Any], result).rowcount
    return counts


async def shop_row_counts(session: AsyncSession, *, shop: str) -> dict[str, int]:
    """How many rows each table holds for `shop` (for tests and operators)."""
    counts: dict[str, int] = {}
    for table, model, column in APP_TABLES + RECORD_TABLES:
        query = select(func.count()).select_from(model).where(column == shop)
        counts[table] = (await session.execute(query)).scalar_one()
    return counts
