"""The admin console: admin roles, server-side sessions, and the customer list's indexes.

Customers are listed newest first and filtered by offer, landing page, affiliate, advertiser
and username; each filter has an index ending in customer_id, so a page is one index range
read whatever the table's size. The newest locks come from a partial index of locked rows.

Revision ID: 0012
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CUSTOMER_INDEXES = (
    ("ix_customers_offerid", ["offerid", "customer_id"]),
    ("ix_customers_landing_pageid", ["landing_pageid", "customer_id"]),
    ("ix_customers_loginid", ["loginid", "customer_id"]),
    ("ix_customers_advertiserid", ["advertiserid", "customer_id"]),
)


def upgrade() -> None:
    # Plain ADD/DROP COLUMN, not batch mode: rebuilding logins on SQLite would lose its
    # expression indexes (lower(username)), which reflection cannot copy.
    op.add_column(
        "logins", sa.Column("role", sa.String(16), nullable=False, server_default="admin")
    )
    op.create_table(
        "admin_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column(
            "loginid",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.ForeignKey(
                "logins.loginid",
                name="fk_admin_sessions_loginid_logins",
                ondelete="CASCADE",
            ),
            nullable=False,
        ),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_ip", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name="pk_admin_sessions"),
    )
    op.create_index("ix_admin_sessions_loginid", "admin_sessions", ["loginid"])
    op.create_index("ix_customers_username_ci", "customers", [sa.text("lower(username)")])
    for name, columns in _CUSTOMER_INDEXES:
        op.create_index(name, "customers", columns)
    op.create_index(
        "ix_customers_locked_at",
        "customers",
        ["locked_at"],
        sqlite_where=sa.text("locked"),
        postgresql_where=sa.text("locked"),
    )


def downgrade() -> None:
    op.drop_index("ix_customers_locked_at", table_name="customers")
    for name, _ in _CUSTOMER_INDEXES:
        op.drop_index(name, table_name="customers")
    op.drop_index("ix_customers_username_ci", table_name="customers")
    op.drop_index("ix_admin_sessions_loginid", table_name="admin_sessions")
    op.drop_table("admin_sessions")
    op.drop_column("logins", "role")
