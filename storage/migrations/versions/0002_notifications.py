"""The notification record and its engagement counts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("shop", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("webhook_id", sa.String(255), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("product_id", sa.String(64), nullable=True),
        sa.Column("product_title", sa.Text(), nullable=False),
        sa.Column("product_url", sa.Text(), nullable=True),
        sa.Column("product_image", sa.Text(), nullable=True),
        sa.Column("line_items", sa.JSON(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
    )
    op.create_table(
        "notification_engagement",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("shop", sa.String(255), nullable=False),
        sa.Column("delivered", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notification_engagement"),
    )
    op.create_index("ix_notification_engagement_shop", "notification_engagement", ["shop"])
    op.create_index(
        "ix_notifications_shop_occurred", "notifications", ["shop", "occurred_at", "id"]
    )
    op.create_index(
        "ix_notifications_shop_status_occurred",
        "notifications",
        ["shop", "status", "occurred_at", "id"],
    )
    op.create_index(
        "ix_notifications_shop_product", "notifications", ["shop", "product_id", "occurred_at"]
    )
    op.create_index("ix_notifications_published", "notifications", ["published_at"])


def downgrade() -> None:
    op.drop_table("notification_engagement")
    op.drop_table("notifications")
