"""`python -m storage migrate [--url URL]`: bring the database schema to the newest revision."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from sqlalchemy.engine import make_url

from storage.database import migrate

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m storage", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    upgrade = commands.add_parser("migrate", help="run `alembic upgrade head` (idempotent)")
    upgrade.add_argument("--url", help="database URL (default: DATABASE_URL)")
    arguments = parser.parse_args(argv)

    url: str | None = arguments.url
    if url is None:
        from proofstream.settings import Settings

        url = Settings().database_url
    asyncio.run(migrate(url))
    shown = make_url(url).render_as_string(hide_password=True)
    sys.stderr.write(f"database {shown} is at the newest revision\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
