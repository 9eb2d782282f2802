"""Schema changes of the customers domain: Customers, locking and the audit trail.

The customers, customer_audit and transactions tables come from 0001; this adds what the
customer API relies on: case-insensitive username uniqueness per advertiser, and indexes for
search by email and status.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain CREATE/DROP INDEX works on SQLite as it is; batch mode would reflect the table, and
    # SQLite reflection skips expression indexes, so they are never put through a table copy.
    op.create_index(
        "uq_customers_advertiser_username_ci",
        "customers",
        ["advertiserid", sa.text("lower(username)")],
        unique=True,
    )
    op.create_index("ix_customers_email_ci", "customers", [sa.text("lower(email)")])
    op.create_index("ix_customers_status", "customers", ["status", "customer_id"])


def downgrade() -> None:
    op.drop_index("ix_customers_status", table_name="customers")
    op.drop_index("ix_customers_email_ci", table_name="customers")
    op.drop_index("uq_customers_advertiser_username_ci", table_name="customers")
