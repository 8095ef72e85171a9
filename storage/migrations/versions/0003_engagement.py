"""Impressions, hovers and clicks beside `delivered`, and the shop's engagement per day.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("impressions", "hovers", "clicks")


def upgrade() -> None:
    with op.batch_alter_table("notification_engagement") as table:
        for kind in KINDS:
            table.add_column(sa.Column(kind, sa.BigInteger(), nullable=False, server_default="0"))
    op.create_table(
        "engagement_daily",
        sa.Column("shop", sa.String(255), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *(
            sa.Column(kind, sa.BigInteger(), nullable=False, server_default="0")
            for kind in ("delivered", *KINDS)
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop", "day", name="pk_engagement_daily"),
    )


def downgrade() -> None:
    op.drop_table("engagement_daily")
    with op.batch_alter_table("notification_engagement") as table:
        for kind in KINDS:
            table.drop_column(kind)
