"""Engines, sessions and schema migrations for the storage database (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

__all__ = [
    "MIGRATION_LOCK_KEY",
    "MIGRATIONS_DIR",
    "alembic_config",
    "create_engine",
    "migrate",
    "run_locked",
    "sessionmaker",
]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# pg_advisory_xact_lock key: concurrent `migrate` calls (several processes starting at
# once) take turns instead of racing to create the same tables.
MIGRATION_LOCK_KEY = 0x70726F6F66  # "proof"

# How long a SQLite connection waits for another writer before "database is locked".
_SQLITE_BUSY_TIMEOUT_S = 30.0


def create_engine(url: str) -> AsyncEngine:
    """An async engine for `url`; on SQLite it creates the file's folder and sets up locking.

    SQLite connections get `PRAGMA foreign_keys=ON` (so ON DELETE CASCADE works) and WAL
    journaling, and every transaction starts with `BEGIN IMMEDIATE`: it takes the write
    lock up front, so read-then-write transactions (the token compare-and-set) serialize
    instead of failing with "database is locked" when they try to upgrade their lock.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(parsed, pool_pre_ping=True)
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(parsed, connect_args={"timeout": _SQLITE_BUSY_TIMEOUT_S})
    event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
    event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Stop the driver from issuing its own (deferred) BEGIN; `_sqlite_on_begin` does it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions on `engine`; objects stay readable after commit (`expire_on_commit=False`)."""
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config for the packaged migrations, built in code (no alembic.ini)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def migrate(url: str) -> None:
    """`alembic upgrade head` on `url`; safe inside a running loop, twice, or concurrently."""
    await run_locked(url, _upgrade_head)


async def run_locked(url: str, work: Callable[[Connection], None]) -> None:
    """Run `work` in one transaction on its own engine, one process at a time on PostgreSQL
    (an advisory lock), so concurrent migrations wait instead of colliding."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            await connection.run_sync(work)
    finally:
        await engine.dispose()


def _upgrade_head(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
