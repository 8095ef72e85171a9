"""Alembic environment: migrates the connection `storage.database.migrate` hands over.

Run by the `alembic` command line instead (`alembic -c storage/alembic.ini ...`), it opens
its own async engine on `sqlalchemy.url` or, when that is empty, on DATABASE_URL.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from storage.models import Base

__all__: list[str] = []


def _url() -> str:
    url = context.config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from proofstream.settings import Settings

    return Settings().database_url


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=Base.metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    connection = context.config.attributes.get("connection")
    if context.is_offline_mode():
        _run_offline()
    elif isinstance(connection, Connection):
        _run(connection)
    else:
        from storage.database import run_locked

        asyncio.run(run_locked(_url(), _run))


main()
