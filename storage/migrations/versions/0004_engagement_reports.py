"""The engagement reports already added up: a report delivered again (at-least-once, after
a worker restart) is recognised and not counted twice.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "engagement_reports",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("shop", sa.String(255), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_engagement_reports"),
    )
    op.create_index("ix_engagement_reports_added_at", "engagement_reports", ["added_at"])
    op.create_index("ix_engagement_reports_shop", "engagement_reports", ["shop"])


def downgrade() -> None:
    op.drop_table("engagement_reports")
