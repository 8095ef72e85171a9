"""Shops, offline sessions and compliance records.

Revision ID: 0001
Revises:
Create Date: 2025-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "shops",
        sa.Column("domain", sa.String(255), nullable=False),
        sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uninstalled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("api_version", sa.String(32), nullable=False),
        sa.Column("widget_public_key", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("domain", name="pk_shops"),
        sa.UniqueConstraint("widget_public_key", name="uq_shops_widget_public_key"),
    )
    op.create_table(
        "shop_sessions",
        sa.Column("id", sa.String(320), nullable=False),
        sa.Column("shop", sa.String(255), nullable=False),
        sa.Column("state", sa.String(255), nullable=False),
        sa.Column("is_online", sa.Boolean(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=True),
        sa.Column("expires", sa.DateTime(timezone=True), nullable=True),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("refresh_token", sa.Text(), nullable=True),
        sa.Column("refresh_token_expires", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_id", sa.String(64), nullable=True),
        sa.Column("first_name", sa.Text(), nullable=True),
        sa.Column("last_name", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("account_owner", sa.Boolean(), nullable=True),
        sa.Column("locale", sa.String(32), nullable=True),
        sa.Column("collaborator", sa.Boolean(), nullable=True),
        sa.Column("email_verified", sa.Boolean(), nullable=True),
        sa.Column("api_version", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_shop_sessions"),
        sa.ForeignKeyConstraint(
            ["shop"], ["shops.domain"], name="fk_shop_sessions_shop_shops", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_shop_sessions_shop", "shop_sessions", ["shop"])

    op.create_table(
        "compliance_records",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("shop", sa.String(255), nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.Column("customer_id", sa.String(64), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_compliance_records"),
    )
    op.create_index(
        "uq_compliance_records_dedupe",
        "compliance_records",
        [
            "shop",
            "topic",
            sa.text("coalesce(request_id, '')"),
            sa.text("coalesce(customer_id, '')"),
        ],
        unique=True,
    )


def downgrade() -> None:
    op.drop_table("compliance_records")
    op.drop_table("shop_sessions")
    op.drop_table("shops")
