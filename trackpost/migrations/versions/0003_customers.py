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
    # Expression indexes are created outside batch mode: SQLite's batch copy cannot reflect them.
    op.create_index(
        "uq_customers_advertiser_username_ci",
        "customers",
        ["advertiserid", sa.text("lower(username)")],
        unique=True,
    )
    op.create_index("ix_customers_email_ci", "customers", [sa.text("lower(email)")])
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index("ix_customers_status", ["status", "customer_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_status")
    op.drop_index("ix_customers_email_ci", table_name="customers")
    op.drop_index("uq_customers_advertiser_username_ci", table_name="customers")
