"""Storage fixtures: every test runs on SQLite (a temp file) and on the real PostgreSQL.

Tests isolate by shop domain, never by dropping tables. PostgreSQL being unreachable
fails the PostgreSQL half loudly under CI (env `CI` set) and skips it otherwise.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.crypto import TokenCipher
from storage.database import create_engine, migrate, sessionmaker

POSTGRES_URL = os.environ.get(
    "PROOFSTREAM_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


async def postgres_problem(url: str) -> str | None:
    """Why PostgreSQL at `url` cannot be used, or None when it answers."""
    engine = create_engine(url)

    async def ping() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    try:
        await asyncio.wait_for(ping(), timeout=10)
    except Exception as error:  # any failure to connect means the same thing here
        return f"{type(error).__name__}: {error}"
    finally:
        await engine.dispose()
    return None


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
async def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A migrated database of each backend, once per test session."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("storage") / "nested" / "proofstream.db"
        url = f"sqlite+aiosqlite:///{path}"
    else:
        url = POSTGRES_URL
        problem = await postgres_problem(url)
        if problem is not None:
            message = f"PostgreSQL at {url} is unreachable ({problem})"
            if os.environ.get("CI"):
                pytest.fail(message + "; CI needs it running", pytrace=False)
            pytest.skip(message)
    await migrate(url)
    return url


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return sessionmaker(engine)


@pytest.fixture(scope="session")
def cipher() -> TokenCipher:
    return TokenCipher([Fernet.generate_key().decode()])


def new_shop() -> str:
    return f"t-{uuid.uuid4().hex[:16]}.myshopify.com"


@pytest.fixture
def shop() -> str:
    """A shop domain no other test (or run) uses."""
    return new_shop()


@pytest.fixture
def other_shop() -> str:
    return new_shop()
