"""Conversion caps (conversion_caps) and their exact counters (cap_usage, cap_visitors).

Revision ID: 0021
Revises: 0022
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "conversion_caps",
        sa.Column("capid", BIG_ID, primary_key=True),
        sa.Column("offerid", sa.BigInteger(), nullable=True),
        sa.Column("advertiserid", sa.BigInteger(), nullable=True),
        sa.Column("affiliate_scope", sa.String(8), nullable=False),
        sa.Column("loginid", sa.BigInteger(), nullable=True),
        sa.Column("cap_type", sa.String(16), nullable=False),
        sa.Column("cap_value", sa.BigInteger(), nullable=False),
        sa.Column("duration", sa.String(8), nullable=False),
        sa.Column("timeframe", sa.String(12), nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("start_at", WHEN, nullable=True),
        sa.Column("end_at", WHEN, nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("overflow", sa.String(8), nullable=False),
        sa.Column("new_offerid", sa.BigInteger(), nullable=True),
        sa.Column("new_landing_pageid", sa.BigInteger(), nullable=True),
        sa.Column("redirect_url", sa.String(2048), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("capid", name="pk_conversion_caps"),
    )
    op.create_index("ix_conversion_caps_offerid", "conversion_caps", ["offerid"])
    op.create_index("ix_conversion_caps_advertiserid", "conversion_caps", ["advertiserid"])
    op.create_table(
        "cap_usage",
        sa.Column("capid", sa.BigInteger(), nullable=False),
        sa.Column("window_start", WHEN, nullable=False),
        sa.Column("loginid", sa.BigInteger(), nullable=False),
        sa.Column("used", sa.BigInteger(), nullable=False),
        sa.Column("reached_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("capid", "window_start", "loginid", name="pk_cap_usage"),
    )
    op.create_table(
        "cap_visitors",
        sa.Column("capid", sa.BigInteger(), nullable=False),
        sa.Column("window_start", WHEN, nullable=False),
        sa.Column("loginid", sa.BigInteger(), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("capid", "window_start", "loginid", "ip", name="pk_cap_visitors"),
    )


def downgrade() -> None:
    op.drop_table("cap_visitors")
    op.drop_table("cap_usage")
    op.drop_index("ix_conversion_caps_advertiserid", table_name="conversion_caps")
    op.drop_index("ix_conversion_caps_offerid", table_name="conversion_caps")
    op.drop_table("conversion_caps")
